//! Repositories (`owner/repo`) and issue keys (`owner/repo#number`),
//! checked before they become part of a path, so that no argument can
//! reach another endpoint (`../`, `?`, `%2F`).

use berth_sdk::ToolError;

/// The longest owner name GitHub allows.
const MAX_OWNER: usize = 39;
/// The longest repository name GitHub allows.
const MAX_NAME: usize = 100;

/// A repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    /// The user or organisation: `acme`.
    pub owner: String,
    /// The repository's name: `ops-portal`.
    pub name: String,
}

impl Repo {
    /// Reads `owner/repo`.
    pub fn parse(text: &str) -> Result<Self, ToolError> {
        let text = text.trim();
        let refused = || {
            ToolError::invalid(format!(
                "`{}` is not a repository; give it as `owner/repo`, such as acme/ops-portal",
                text.chars().take(120).collect::<String>()
            ))
        };
        let (owner, name) = text.split_once('/').ok_or_else(refused)?;
        let owner_ok = !owner.is_empty()
            && owner.len() <= MAX_OWNER
            && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !owner.starts_with('-');
        let name_ok = !name.is_empty()
            && name.len() <= MAX_NAME
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && name != "."
            && name != "..";
        if owner_ok && name_ok { Ok(Self { owner: owner.to_owned(), name: name.to_owned() }) } else { Err(refused()) }
    }

    /// `owner/repo`.
    pub fn full(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The API path of `rest` in this repository: `/repos/acme/ops-portal{rest}`.
    pub fn path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.owner, self.name)
    }

    /// The repository an API object's `repository_url`
    /// (`https://api.github.com/repos/acme/ops-portal`) names.
    pub fn from_api_url(url: &str) -> Option<Self> {
        let (_, tail) = url.rsplit_once("/repos/")?;
        Self::parse(tail).ok()
    }
}

/// An issue (or pull request) in a repository: a ticket's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRef {
    /// Its repository.
    pub repo: Repo,
    /// Its number.
    pub number: u64,
}

impl IssueRef {
    /// Reads a ticket key: `owner/repo#number`, or `number` (`#number`) in
    /// `default` (the configured `default_repo`).
    pub fn parse(key: &str, default: Option<&Repo>) -> Result<Self, ToolError> {
        let key = key.trim();
        let refused = || {
            ToolError::invalid(format!(
                "`{}` is not an issue key; keys are `owner/repo#number`, such as acme/ops-portal#3",
                key.chars().take(120).collect::<String>()
            ))
        };
        let (repo, number) = match key.rsplit_once('#') {
            Some((repo, number)) if !repo.is_empty() => (Repo::parse(repo).map_err(|_| refused())?, number),
            Some((_, number)) => (default.cloned().ok_or_else(refused)?, number),
            None => (default.cloned().ok_or_else(refused)?, key),
        };
        let number = number.parse::<u64>().ok().filter(|number| *number > 0).ok_or_else(refused)?;
        Ok(Self { repo, number })
    }

    /// `owner/repo#number`.
    pub fn key(&self) -> String {
        format!("{}#{}", self.repo.full(), self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_are_owner_slash_name_and_nothing_else() {
        let repo = Repo::parse(" acme/ops-portal ").unwrap();
        assert_eq!((repo.owner.as_str(), repo.name.as_str()), ("acme", "ops-portal"));
        assert_eq!(repo.path("/issues/3"), "/repos/acme/ops-portal/issues/3");
        assert_eq!(Repo::parse("octo-org/some_repo.js").unwrap().full(), "octo-org/some_repo.js");
        for bad in ["", "acme", "acme/", "/x", "acme/ops/portal", "acme/..", "ac me/x", "acme/x?y", "-acme/x", "a/%2F"]
        {
            assert!(Repo::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Repo::from_api_url("https://api.github.com/repos/acme/infra").map(|repo| repo.full()).as_deref(),
            Some("acme/infra")
        );
    }

    #[test]
    fn keys_are_full_or_a_number_in_the_default_repo() {
        let default = Repo::parse("acme/ops-portal").unwrap();
        let full = IssueRef::parse("acme/infra#2", Some(&default)).unwrap();
        assert_eq!((full.repo.full().as_str(), full.number), ("acme/infra", 2));
        assert_eq!(full.key(), "acme/infra#2");
        assert_eq!(IssueRef::parse("7", Some(&default)).unwrap().key(), "acme/ops-portal#7");
        assert_eq!(IssueRef::parse("#7", Some(&default)).unwrap().key(), "acme/ops-portal#7");
        assert!(IssueRef::parse("7", None).is_err(), "a bare number needs default_repo");
        for bad in ["acme/infra#", "acme/infra#0", "acme/infra#x", "acme#2", "acme/infra#2/../1", "OPS-12"] {
            assert!(IssueRef::parse(bad, Some(&default)).is_err(), "{bad}");
        }
    }
}
