//! One table's rows, from the source's COPY TO to the target's COPY FROM, with the masked columns
//! rewritten on the way and every other column passed through byte for byte.
//!
//! Binary COPY is read field by field (a text-like column's field is its UTF-8 text); text COPY
//! (used for tables binary cannot carry between databases, and where a masked column is not
//! text) line by line, with PostgreSQL's escapes undone for the masked fields only.

use confiture_core::mask::{ColumnMask, MaskError};
use std::io::{self, BufRead, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    Binary,
    Text,
}

impl Wire {
    pub fn copy_option(self) -> &'static str {
        match self {
            Wire::Binary => "FORMAT binary",
            Wire::Text => "FORMAT text",
        }
    }
}

#[derive(Debug)]
pub enum StreamError {
    Io(io::Error),
    /// The column's position and what its mask said.
    Mask(usize, MaskError),
    Malformed(String),
}

impl From<io::Error> for StreamError {
    fn from(error: io::Error) -> Self {
        StreamError::Io(error)
    }
}

const PROGRESS_EVERY: u64 = 8192;
const BINARY_SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// Copies every row of `input` to `output`, masking field `i` with `masks[i]` where there is one.
/// `progress` hears the running row count now and then; returns the rows copied.
pub fn copy(
    wire: Wire,
    input: &mut impl BufRead,
    output: &mut impl Write,
    masks: &[Option<&ColumnMask>],
    progress: &mut dyn FnMut(u64),
) -> Result<u64, StreamError> {
    match wire {
        Wire::Binary => copy_binary(input, output, masks, progress),
        Wire::Text => copy_text(input, output, masks, progress),
    }
}

/// Rows per batch handed to a masking thread.
const BATCH_ROWS: usize = 2048;

fn copy_binary(
    input: &mut impl BufRead,
    output: &mut impl Write,
    masks: &[Option<&ColumnMask>],
    progress: &mut dyn FnMut(u64),
) -> Result<u64, StreamError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
    copy_binary_with(input, output, masks, progress, threads)
}

fn copy_binary_with(
    input: &mut impl BufRead,
    output: &mut impl Write,
    masks: &[Option<&ColumnMask>],
    progress: &mut dyn FnMut(u64),
    threads: usize,
) -> Result<u64, StreamError> {
    let mut header = [0u8; 19];
    input.read_exact(&mut header)?;
    if &header[..11] != BINARY_SIGNATURE {
        return Err(StreamError::Malformed("the source did not send binary COPY".into()));
    }
    output.write_all(&header)?;
    let extension = u32::from_be_bytes(header[15..19].try_into().expect("4 bytes")) as usize;
    pass_through(input, output, extension)?;
    let rows = if masks.iter().any(Option::is_some) && threads > 1 {
        copy_rows_in_parallel(input, output, masks, progress, threads)?
    } else {
        let mut rows = 0u64;
        let mut raw = Vec::with_capacity(1 << 16);
        while read_row(input, &mut raw, masks.len())? {
            rows += 1;
            if raw.len() >= 1 << 16 || rows % BATCH_ROWS as u64 == 0 {
                mask_rows(&raw, output, masks)?;
                raw.clear();
            }
            if rows % PROGRESS_EVERY == 0 {
                progress(rows);
            }
        }
        mask_rows(&raw, output, masks)?;
        rows
    };
    output.write_all(&(-1i16).to_be_bytes())?;
    progress(rows);
    Ok(rows)
}

/// Appends the next row of a binary COPY stream to `raw` as it came; false at the trailer.
fn read_row(input: &mut impl BufRead, raw: &mut Vec<u8>, fields: usize) -> Result<bool, StreamError> {
    let mut count = [0u8; 2];
    input.read_exact(&mut count)?;
    let count = i16::from_be_bytes(count);
    if count == -1 {
        return Ok(false);
    }
    if count as usize != fields {
        return Err(StreamError::Malformed(format!("a row of {count} fields, {fields} expected")));
    }
    raw.extend_from_slice(&count.to_be_bytes());
    for _ in 0..fields {
        let mut length = [0u8; 4];
        input.read_exact(&mut length)?;
        raw.extend_from_slice(&length);
        let length = i32::from_be_bytes(length);
        if length > 0 {
            let start = raw.len();
            raw.resize(start + length as usize, 0);
            input.read_exact(&mut raw[start..])?;
        }
    }
    Ok(true)
}

/// Writes whole rows read by `read_row`, the masked fields rewritten, the others as they are.
fn mask_rows(
    mut raw: &[u8],
    output: &mut impl Write,
    masks: &[Option<&ColumnMask>],
) -> Result<(), StreamError> {
    let truncated = || StreamError::Malformed("a row ended early".into());
    while !raw.is_empty() {
        let (count, rest) = raw.split_at_checked(2).ok_or_else(truncated)?;
        output.write_all(count)?;
        raw = rest;
        for (position, mask) in masks.iter().enumerate() {
            let (length_bytes, rest) = raw.split_at_checked(4).ok_or_else(truncated)?;
            let length = i32::from_be_bytes(length_bytes.try_into().expect("4 bytes"));
            let (field, rest) = rest.split_at_checked(length.max(0) as usize).ok_or_else(truncated)?;
            raw = rest;
            match mask {
                Some(mask) if length >= 0 => {
                    match mask_field(mask, position, std::str::from_utf8(field).ok())? {
                        None => output.write_all(&(-1i32).to_be_bytes())?,
                        Some(masked) => {
                            output.write_all(&(masked.len() as i32).to_be_bytes())?;
                            output.write_all(masked.as_bytes())?;
                        }
                    }
                }
                _ => {
                    output.write_all(length_bytes)?;
                    output.write_all(field)?;
                }
            }
        }
    }
    Ok(())
}

/// A masked field's new text (`None`: NULL); `text` is `None` when the field is not UTF-8.
fn mask_field(mask: &ColumnMask, position: usize, text: Option<&str>) -> Result<Option<String>, StreamError> {
    let text = text.ok_or_else(|| StreamError::Malformed("a masked column's text is not UTF-8".into()))?;
    mask.mask(text).map_err(|e| StreamError::Mask(position, e))
}

/// The rows read and written by this thread, in order, and masked by `threads` others, batch by
/// batch: masking (FF1 above all) costs more than moving bytes.
fn copy_rows_in_parallel(
    input: &mut impl BufRead,
    output: &mut impl Write,
    masks: &[Option<&ColumnMask>],
    progress: &mut dyn FnMut(u64),
    threads: usize,
) -> Result<u64, StreamError> {
    use std::collections::BTreeMap;
    use std::sync::{mpsc, Mutex};
    type Masked = (usize, Result<Vec<u8>, StreamError>);
    let (work, jobs) = mpsc::channel::<(usize, Vec<u8>)>();
    let jobs = Mutex::new(jobs);
    let (finished, results) = mpsc::channel::<Masked>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let finished = finished.clone();
            let jobs = &jobs;
            scope.spawn(move || loop {
                let job = jobs.lock().map_err(|_| ()).and_then(|jobs| jobs.recv().map_err(|_| ()));
                let Ok((sequence, raw)) = job else { return };
                let mut out = Vec::with_capacity(raw.len() + raw.len() / 4);
                let masked = mask_rows(&raw, &mut out, masks).map(|()| out);
                if finished.send((sequence, masked)).is_err() {
                    return;
                }
            });
        }
        drop(finished);
        let outcome = (|| {
            let mut sent = 0usize;
            let mut written = 0usize;
            let mut waiting: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
            let mut rows = 0u64;
            let mut write_ready =
                |result: Masked, waiting: &mut BTreeMap<usize, Vec<u8>>, written: &mut usize| {
                    let (sequence, masked) = result;
                    waiting.insert(sequence, masked?);
                    while let Some(bytes) = waiting.remove(written) {
                        output.write_all(&bytes)?;
                        *written += 1;
                    }
                    Ok::<(), StreamError>(())
                };
            let mut raw = Vec::with_capacity(1 << 16);
            let mut in_batch = 0;
            loop {
                let more = read_row(input, &mut raw, masks.len())?;
                if more {
                    rows += 1;
                    in_batch += 1;
                }
                if (in_batch == BATCH_ROWS || !more) && in_batch > 0 {
                    work.send((sent, std::mem::take(&mut raw)))
                        .map_err(|_| StreamError::Malformed("the masking threads stopped".into()))?;
                    sent += 1;
                    in_batch = 0;
                    // At most two batches per thread in flight: memory stays bounded.
                    while sent - written > 2 * threads || (!more && written < sent) {
                        let result = results
                            .recv()
                            .map_err(|_| StreamError::Malformed("the masking threads stopped".into()))?;
                        write_ready(result, &mut waiting, &mut written)?;
                    }
                    progress(rows);
                }
                if !more {
                    return Ok(rows);
                }
            }
        })();
        drop(work);
        outcome
    })
}

/// `length` bytes from `input` to `output`, straight from the input's buffer.
fn pass_through(
    input: &mut impl BufRead,
    output: &mut impl Write,
    mut length: usize,
) -> Result<(), StreamError> {
    while length > 0 {
        let available = input.fill_buf()?;
        if available.is_empty() {
            return Err(StreamError::Malformed("the source's COPY stream ended inside a row".into()));
        }
        let take = available.len().min(length);
        output.write_all(&available[..take])?;
        input.consume(take);
        length -= take;
    }
    Ok(())
}

fn copy_text(
    input: &mut impl BufRead,
    output: &mut impl Write,
    masks: &[Option<&ColumnMask>],
    progress: &mut dyn FnMut(u64),
) -> Result<u64, StreamError> {
    let masked = masks.iter().any(Option::is_some);
    let mut rows = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if !masked {
            output.write_all(&line)?;
        } else {
            let body = line.strip_suffix(b"\n").unwrap_or(&line);
            for (position, raw) in body.split(|&b| b == b'\t').enumerate() {
                if position > 0 {
                    output.write_all(b"\t")?;
                }
                match masks.get(position).copied().flatten() {
                    Some(mask) if raw != b"\\N" => {
                        match mask_field(mask, position, unescape(raw).as_deref())? {
                            None => output.write_all(b"\\N")?,
                            Some(value) => output.write_all(escape(&value).as_bytes())?,
                        }
                    }
                    _ => output.write_all(raw)?,
                }
            }
            output.write_all(b"\n")?;
        }
        rows += 1;
        if rows % PROGRESS_EVERY == 0 {
            progress(rows);
        }
    }
    progress(rows);
    Ok(rows)
}

/// A text COPY field as the text it stands for (PostgreSQL's escapes undone).
fn unescape(field: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let byte = field[i];
        i += 1;
        if byte != b'\\' || i == field.len() {
            out.push(byte);
            continue;
        }
        let next = field[i];
        i += 1;
        out.push(match next {
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 11,
            b'0'..=b'7' => {
                let mut value = u32::from(next - b'0');
                for _ in 0..2 {
                    match field.get(i) {
                        Some(d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                value as u8
            }
            b'x' if field.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                let digits = field[i..].iter().take(2).take_while(|d| d.is_ascii_hexdigit()).count();
                let text = std::str::from_utf8(&field[i..i + digits]).ok()?;
                i += digits;
                u8::from_str_radix(text, 16).ok()?
            }
            other => other,
        });
    }
    String::from_utf8(out).ok()
}

/// Text as a text COPY field.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use confiture_core::mask::{Key, Strategy};

    fn redact() -> ColumnMask {
        let options = serde_json::json!({"text": "X\tY"}).as_object().cloned().unwrap();
        ColumnMask::new(
            &Key::new(&[1; 32]).unwrap(),
            "d",
            Strategy::parse("redact", &options, false).unwrap(),
        )
    }

    fn binary(rows: &[Vec<Option<&[u8]>>]) -> Vec<u8> {
        let mut out = BINARY_SIGNATURE.to_vec();
        out.extend([0, 0, 0, 0, 0, 0, 0, 0]);
        for row in rows {
            out.extend((row.len() as i16).to_be_bytes());
            for field in row {
                match field {
                    None => out.extend((-1i32).to_be_bytes()),
                    Some(bytes) => {
                        out.extend((bytes.len() as i32).to_be_bytes());
                        out.extend(*bytes);
                    }
                }
            }
        }
        out.extend((-1i16).to_be_bytes());
        out
    }

    #[test]
    fn binary_rows_keep_unmasked_fields_and_nulls() {
        let mask = redact();
        let input = binary(&[vec![Some(b"\x00\x01"), Some(b"secret")], vec![Some(b"\x00\x02"), None]]);
        let mut output = Vec::new();
        let rows = copy(Wire::Binary, &mut input.as_slice(), &mut output, &[None, Some(&mask)], &mut |_| {})
            .unwrap();
        assert_eq!(rows, 2);
        assert_eq!(output, binary(&[vec![Some(b"\x00\x01"), Some(b"X\tY")], vec![Some(b"\x00\x02"), None]]));
        let mut unmasked = Vec::new();
        copy(Wire::Binary, &mut input.as_slice(), &mut unmasked, &[None, None], &mut |_| {}).unwrap();
        assert_eq!(unmasked, input);
    }

    #[test]
    fn parallel_masking_keeps_the_row_order() {
        let key = Key::new(&[2; 32]).unwrap();
        let mask =
            ColumnMask::new(&key, "d", Strategy::parse("phone", &serde_json::Map::new(), false).unwrap());
        let values: Vec<String> = (0..10_000).map(|i| format!("{i:08}")).collect();
        let rows: Vec<Vec<Option<&[u8]>>> = values
            .iter()
            .map(|v| vec![Some(v.as_bytes()), if v.ends_with('7') { None } else { Some(v.as_bytes()) }])
            .collect();
        let input = binary(&rows);
        let mut parallel = Vec::new();
        let mut header_and_rows = &input[19..input.len() - 2];
        let mut serial = input[..19].to_vec();
        mask_rows(std::mem::take(&mut header_and_rows), &mut serial, &[None, Some(&mask)]).unwrap();
        serial.extend((-1i16).to_be_bytes());
        let mut reader = input.as_slice();
        let mut seen = 0;
        let rows =
            copy_binary_with(&mut reader, &mut parallel, &[None, Some(&mask)], &mut |n| seen = n, 2).unwrap();
        assert_eq!((rows, seen), (10_000, 10_000));
        assert_eq!(parallel, serial);
    }

    #[test]
    fn a_truncated_stream_is_an_error() {
        let input = binary(&[vec![Some(b"abcdef")]]);
        let cut = &input[..input.len() - 6];
        assert!(copy(Wire::Binary, &mut &cut[..], &mut Vec::new(), &[None], &mut |_| {}).is_err());
    }

    #[test]
    fn text_rows_escape_masked_fields() {
        let mask = redact();
        let input = b"1\ta\\\\b\\tc\n2\t\\N\n".to_vec();
        let mut output = Vec::new();
        let rows =
            copy(Wire::Text, &mut input.as_slice(), &mut output, &[None, Some(&mask)], &mut |_| {}).unwrap();
        assert_eq!(rows, 2);
        assert_eq!(String::from_utf8(output).unwrap(), "1\tX\\tY\n2\t\\N\n");
        assert_eq!(unescape(b"a\\\\b\\tc\\101\\x42").unwrap(), "a\\b\tcAB");
        assert_eq!(escape("a\\b\tc\n"), "a\\\\b\\tc\\n");
    }
}
