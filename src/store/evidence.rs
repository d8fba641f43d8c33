//! Every vendor answer is kept as the bytes received (after redaction only), in one zstd frame:
//! compressed against the dictionary shipped in the binary ([`DICTIONARY`], trained on vendor
//! answers by `examples/train_dictionary.rs`), or against the key's earlier answer for the same
//! page (its bytes as a zstd prefix), whichever is smaller. An unchanged answer costs the few
//! bytes that differ (its `OrderNumber`) and the frame's header.
//!
//! Nothing of a body is rebuilt from code: the frame gives back the bytes, and the columns of a
//! call (status, records) are read from them when it is written. A frame against the dictionary
//! names it (zstd's dictionary id), so `zstd -d -D src/store/evidence.dict` reads a body that
//! `sqlite3` wrote out; a frame against a reference says which call in `calls.body_ref`.
//!
//! A reference is always an answer stored against the dictionary (a "key frame"), so a body comes
//! back with at most two decompressions.

use std::sync::OnceLock;

use zstd::zstd_safe::{self, CCtx, CDict, CParameter, DCtx, DDict};

/// The dictionary every key frame is compressed with. A new dictionary gets a new file and id;
/// this one stays for the frames written with it.
pub const DICTIONARY: &[u8] = include_bytes!("evidence.dict");

/// zstd's level for evidence. Measured on the simulator's answers (1.2 KB on average): level 3
/// keeps 12.9% of the bytes in about 4 µs, 9 keeps 11.8% in 20 µs, 19 keeps 11.3% in 560 µs;
/// every call pays it in the writer.
const LEVEL: i32 = 3;
/// The level against a reference: an unchanged nightly answer's frame is 8 bytes (a sixth)
/// smaller at 9 than at 3, for about 15 µs more.
const DELTA_LEVEL: i32 = 9;

/// A frame against the reference this small (plus a 32nd of the body) is kept without trying
/// the dictionary: it is already far smaller than a frame against the dictionary would be.
const SMALL_DELTA: usize = 64;

/// No body the client accepts is larger (its own limit is far below): a frame claiming more is
/// not ours.
const MAX_BODY: u64 = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("zstd: {0}")]
    Zstd(&'static str),
    #[error("stored body is not a zstd frame of known size")]
    NotAFrame,
}

fn zstd_err(code: usize) -> EvidenceError {
    EvidenceError::Zstd(zstd_safe::get_error_name(code))
}

fn cdict() -> &'static CDict<'static> {
    static C: OnceLock<CDict<'static>> = OnceLock::new();
    C.get_or_init(|| CDict::create(DICTIONARY, LEVEL))
}

fn ddict() -> &'static DDict<'static> {
    static D: OnceLock<DDict<'static>> = OnceLock::new();
    D.get_or_init(|| DDict::create(DICTIONARY))
}

/// A body compressed for storage.
pub struct Packed {
    pub bytes: Vec<u8>,
    /// True when compressed against the reference given, false against the dictionary.
    pub against_reference: bool,
}

/// `body` compressed against `reference` when there is one, and against the dictionary unless
/// that frame is already small; the smaller wins (the dictionary on a tie, so that it becomes a
/// reference in turn).
pub fn pack(body: &[u8], reference: Option<&[u8]>) -> Result<Packed, EvidenceError> {
    // A context per thread for the dictionary (its settings and dictionary stay with it); one
    // per body for a reference, which holds on to the reference's bytes.
    thread_local! {
        static DICT_CCTX: std::cell::RefCell<Option<CCtx<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    let against_dictionary = || -> Result<Vec<u8>, EvidenceError> {
        DICT_CCTX.with(|slot| {
            let mut slot = slot.borrow_mut();
            let cctx = match slot.as_mut() {
                Some(cctx) => cctx,
                None => {
                    let mut cctx = CCtx::create();
                    set_frame(&mut cctx, LEVEL)?;
                    cctx.ref_cdict(cdict()).map_err(zstd_err)?;
                    slot.insert(cctx)
                }
            };
            compress(cctx, body)
        })
    };
    let packed = |bytes, against_reference| Packed {
        bytes,
        against_reference,
    };
    let Some(reference) = reference else {
        return Ok(packed(against_dictionary()?, false));
    };
    let mut cctx = CCtx::create();
    set_frame(&mut cctx, DELTA_LEVEL)?;
    cctx.ref_prefix(reference).map_err(zstd_err)?;
    let delta = compress(&mut cctx, body)?;
    // Nearly the same as its reference (the usual nightly answer): no need to try the dictionary.
    if delta.len() <= SMALL_DELTA + body.len() / 32 {
        return Ok(packed(delta, true));
    }
    let keyframe = against_dictionary()?;
    Ok(if delta.len() < keyframe.len() {
        packed(delta, true)
    } else {
        packed(keyframe, false)
    })
}

/// The frame's settings: the level, and a checksum of the content, so that a frame read
/// against the wrong reference, or damaged, is an error and never a wrong body.
fn set_frame(cctx: &mut CCtx<'_>, level: i32) -> Result<(), EvidenceError> {
    cctx.set_parameter(CParameter::CompressionLevel(level))
        .map_err(zstd_err)?;
    cctx.set_parameter(CParameter::ChecksumFlag(true))
        .map_err(zstd_err)?;
    cctx.set_parameter(CParameter::ContentSizeFlag(true))
        .map_err(zstd_err)?;
    Ok(())
}

fn compress(cctx: &mut CCtx<'_>, body: &[u8]) -> Result<Vec<u8>, EvidenceError> {
    let mut out = Vec::with_capacity(zstd_safe::compress_bound(body.len()));
    cctx.compress2(&mut out, body).map_err(zstd_err)?;
    Ok(out)
}

/// The body a stored frame holds: against the dictionary (`reference` None), or against the
/// reference's body.
pub fn unpack(stored: &[u8], reference: Option<&[u8]>) -> Result<Vec<u8>, EvidenceError> {
    let size = match zstd_safe::get_frame_content_size(stored) {
        Ok(Some(n)) if n <= MAX_BODY => n as usize,
        _ => return Err(EvidenceError::NotAFrame),
    };
    let mut out = Vec::with_capacity(size);
    let mut dctx = DCtx::create();
    let written = match reference {
        None => dctx.decompress_using_ddict(&mut out, stored, ddict()),
        Some(reference) => {
            dctx.ref_prefix(reference).map_err(zstd_err)?;
            dctx.decompress(&mut out, stored)
        }
    };
    written.map_err(zstd_err)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"Status":"200","Message":"【有效请求】查询成功","OrderNumber":"OPERATIONCHECK2026120315280000000001","Paging":{"PageSize":20,"PageIndex":1,"TotalRecords":1},"Result":{"VerifyResult":1,"Data":[{"Id":"3f2a","RegGov":"营口海关","IdentifyLevel":"一般信用企业"}]}}"#;

    #[test]
    fn a_body_comes_back_byte_for_byte_either_way() {
        let first = pack(BODY.as_bytes(), None).unwrap();
        assert!(!first.against_reference);
        assert!(first.bytes.len() < BODY.len() / 2, "{}", first.bytes.len());
        assert_eq!(unpack(&first.bytes, None).unwrap(), BODY.as_bytes());
        // The next night's answer: another order number.
        let next = BODY.replace("15280000000001", "02000000000002");
        let again = pack(next.as_bytes(), Some(BODY.as_bytes())).unwrap();
        assert!(again.against_reference);
        assert!(again.bytes.len() < 40, "{} bytes", again.bytes.len());
        assert_eq!(
            unpack(&again.bytes, Some(BODY.as_bytes())).unwrap(),
            next.as_bytes()
        );
    }

    #[test]
    fn a_frame_read_against_the_wrong_reference_is_an_error() {
        let next = BODY.replace("15280000000001", "02000000000002");
        let again = pack(next.as_bytes(), Some(BODY.as_bytes())).unwrap();
        let wrong = BODY.replace("营口", "大连");
        assert!(unpack(&again.bytes, Some(wrong.as_bytes())).is_err());
        assert!(unpack(&again.bytes, None).is_err());
        assert!(unpack(b"not a frame", None).is_err());
        let mut damaged = pack(BODY.as_bytes(), None).unwrap().bytes;
        let mid = damaged.len() / 2;
        damaged[mid] ^= 0x20;
        assert!(unpack(&damaged, None).is_err());
    }

    #[test]
    fn any_bytes_come_back() {
        for body in [&b""[..], b"<html>busy</html>", &[0xff, 0x00, 0xfe][..]] {
            let p = pack(body, Some(b"{}")).unwrap();
            let reference: Option<&[u8]> = p.against_reference.then_some(b"{}");
            assert_eq!(unpack(&p.bytes, reference).unwrap(), body);
        }
    }
}
