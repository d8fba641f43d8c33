//! CSV: the original columns first, then [`super::RESULT_FIELDS`].

use std::io::Write;

use super::{Error, flat_row, header_row};
use crate::store::{InputFile, Store};

pub(super) fn write(store: &Store, file: &InputFile, w: &mut impl Write) -> Result<(), Error> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(header_row(&file.headers))
        .map_err(csv_io)?;
    store.for_each_export_row(file.id, |row| {
        let cells = flat_row(store, &row, &file.headers, &file.key_column)
            .map_err(std::io::Error::other)?;
        csv.write_record(&cells).map_err(csv_io)
    })?;
    csv.flush()?;
    Ok(())
}

fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}
