//! Rules shared by every free-text field.

/// Checks a free-text value: trimmed, not empty, at most `max` characters and free of
/// control characters (a NUL byte cannot be stored by PostgreSQL, and none belongs in a name).
pub fn clean_text(raw: &str, max: usize) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if trimmed.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    Ok(trimmed.to_owned())
}

/// Optional free text: blank is none, anything else follows [`clean_text`].
pub fn optional_text(raw: &str, max: usize) -> Result<Option<String>, String> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        clean_text(raw, max).map(Some)
    }
}

/// Optional long text (notes, descriptions): like [`optional_text`], but line breaks and
/// tabs are allowed.
pub fn optional_notes(raw: &str, max: usize) -> Result<Option<String>, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    Ok(Some(text.to_owned()))
}

/// Lower-cased text used for case-insensitive search, computed once on write
/// so that both engines compare the same bytes.
pub fn search_key(parts: &[&str]) -> String {
    parts.join(" ").to_lowercase()
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern matching `needle` anywhere.
pub fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_checked() {
        assert_eq!(clean_text("  Amal  ", 10).unwrap(), "Amal");
        assert!(clean_text("   ", 10).is_err());
        assert!(clean_text("a\0b", 10).is_err());
        assert!(clean_text("abcdef", 5).is_err());
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("A_b%"), "%a\\_b\\%%");
    }
}
