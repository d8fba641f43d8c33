#!/usr/bin/env bash
# Build the Debian package: target/debian/qcc-credit_<version>-1_<arch>.deb
#
# The binary is built with the `dist` profile (stripped, LTO, one codegen unit); the man page and
# the bash/zsh/fish completions are generated from it, so they always match its command line.
# cargo-deb is installed from the crate registry when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo deb --version >/dev/null 2>&1; then
    echo "installing cargo-deb (crates.io) ..."
    cargo install cargo-deb --locked --no-default-features --features gzip
fi

cargo build --locked --profile dist
bin=target/dist/qcc-credit
mkdir -p target/assets
"$bin" manpage | gzip -9n >target/assets/qcc-credit.1.gz
"$bin" completions bash >target/assets/qcc-credit.bash
"$bin" completions zsh >target/assets/_qcc-credit
"$bin" completions fish >target/assets/qcc-credit.fish

cargo deb --no-build --profile dist --compress-type gzip --output target/debian/
ls -1 target/debian/*.deb
