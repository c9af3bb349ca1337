//! CSV export, written by hand to RFC 4180: records end with CRLF, and a
//! field containing a comma, a double quote, CR or LF is enclosed in double
//! quotes with each inner quote doubled. Every record has the header's
//! number of fields, which is what spreadsheet imports rely on.

/// A CSV document: a header record of `headers`, then one record per row.
pub fn document<const N: usize>(headers: [&str; N], rows: impl IntoIterator<Item = [String; N]>) -> String {
    let mut out = String::new();
    record(&mut out, headers.iter().copied());
    for row in rows {
        record(&mut out, row.iter().map(String::as_str));
    }
    out
}

/// Appends one record.
fn record<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>) {
    for (index, value) in fields.enumerate() {
        if index > 0 {
            out.push(',');
        }
        if value.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&value.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(value);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::document;

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        let rows = [
            ["plain".to_owned(), "a, b".to_owned(), "say \"hi\"".to_owned()],
            ["two\nlines".to_owned(), String::new(), "cr\r".to_owned()],
        ];
        assert_eq!(
            document(["id", "title", "note"], rows),
            "id,title,note\r\nplain,\"a, b\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",,\"cr\r\"\r\n"
        );
        assert_eq!(document(["only"], []), "only\r\n");
    }
}
