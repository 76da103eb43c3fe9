//! Reading a submitted form: pairs of name and value in the order sent (checkbox groups
//! repeat their name), with a cap on the number of fields so that a crafted body cannot
//! make a handler loop over millions of them (the body size is capped by the middleware).

/// The most fields any form of the platform has, with room to spare.
pub const MAX_FIELDS: usize = 300;

#[derive(Debug, Default)]
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &str) -> Form {
        Form(
            form_urlencoded::parse(body.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .take(MAX_FIELDS)
                .collect(),
        )
    }

    /// A form filled in by the server (an edit form showing what is stored).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Form {
        Form(pairs)
    }

    /// The first value sent for `name`, or empty text.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Every value sent for `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_and_caps() {
        let form = Form::parse("a=1&b=x+y&a=2&c=%C3%A9");
        assert_eq!(form.get("a"), "1");
        assert_eq!(form.all("a"), ["1", "2"]);
        assert_eq!(form.get("b"), "x y");
        assert_eq!(form.get("c"), "é");
        assert_eq!(form.get("missing"), "");
        let many = "f=1&".repeat(1000);
        assert_eq!(Form::parse(&many).pairs().len(), MAX_FIELDS);
    }
}
