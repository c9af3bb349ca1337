//! GitHub search queries (`q`) written safely: free text is reduced to
//! plain words (so it cannot add a qualifier such as `repo:` or negate
//! one), and qualifier values are quoted.

/// The words of `text`, without the characters search reads as syntax
/// (`:` `"` `(` `)` and a leading `-`), and without the operators `AND`,
/// `OR` and `NOT`.
pub fn words(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || matches!(c, ':' | '"' | '(' | ')' | '\\'))
        .map(|word| word.trim_start_matches('-'))
        .filter(|word| !word.is_empty() && !matches!(*word, "AND" | "OR" | "NOT"))
        .take(20)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `key:"value"`, with the characters a quoted value cannot hold dropped.
pub fn qualifier(key: &str, value: &str) -> String {
    let clean: String = value.chars().filter(|c| *c != '"' && *c != '\\' && !c.is_control()).collect();
    format!("{key}:\"{clean}\"")
}

/// Whether `q` already says where to search (`repo:`, `org:`, `user:`).
pub fn is_scoped(q: &str) -> bool {
    q.split_whitespace().any(|term| {
        let term = term.trim_start_matches('-').to_ascii_lowercase();
        ["repo:", "org:", "user:"].iter().any(|scope| term.starts_with(scope))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_become_syntax() {
        assert_eq!(words(r#"VPN "drops" repo:evil/x -label:bug OR (NOT)"#), "VPN drops repo evil/x label bug");
        assert_eq!(qualifier("label", r#"priority: "high"\"#), r#"label:"priority: high""#);
        assert!(is_scoped("vpn repo:acme/infra") && is_scoped("org:acme is:open") && !is_scoped("vpn is:open"));
    }
}
