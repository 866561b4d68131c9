//! A resident's concern as it comes in, parsed once: every way in (the
//! resident's form, the recorder's form, the JSON API, Open311) hands the raw
//! fields to [`NewConcern::parse`], which answers with the typed values or with
//! every field's errors at once; the store checks what it is given with the
//! same types. Once a [`Title`] or a [`Position`] exists, it is valid.

pub mod category;

use self::category::{AnswerError, Category};
use crate::personal::Phone;
use crate::values::{check_text, invalid, Invalid, Lines};

/// Field errors: the field, and why (the message's key for pages, its English
/// text for the API). A field may have more than one (its characters and its
/// length), in the order they were found.
pub type FieldErrors = Vec<(&'static str, Invalid)>;

/// A title longer than 100 characters, or empty.
pub const TITLE_LENGTH: Invalid = invalid("err.intake.title", "a title has 1 to 100 characters");
/// The longest description, in characters after trimming, by every way in
/// (forms, the JSON API, Open311): GeoReport v2's own limit (decision 0050).
pub const DESCRIPTION_MAX: usize = 4_000;

/// A description longer than [`DESCRIPTION_MAX`] characters, or empty.
pub const DESCRIPTION_LENGTH: Invalid = invalid(
    "err.intake.description",
    "a description has 1 to 4,000 characters",
);
/// An address longer than 200 characters.
pub const ADDRESS_LENGTH: Invalid = invalid(
    "err.intake.address",
    "an address has at most 200 characters",
);
/// A reporter's name longer than 50 characters.
pub const NAME_LENGTH: Invalid = invalid("err.intake.name", "a name has at most 50 characters");
/// A phone number that is neither a mobile nor a landline.
pub const PHONE: Invalid = invalid(
    "err.intake.phone",
    "a phone number is an 11-digit mobile or a landline",
);
/// One coordinate without the other, or one out of range.
pub const POSITION: Invalid = invalid(
    "err.intake.lat",
    "give both lat and lng, within -90..90 and -180..180",
);
/// A category code that is not one of [`category::DEFAULT`].
pub const CATEGORY: Invalid = invalid(
    "err.intake.category",
    "unknown category code (see /api/v1/categories)",
);
/// Not a tracking code.
pub const TRACKING_CODE: Invalid = invalid(
    "err.tracking_code",
    "a tracking code has 10 letters and digits",
);

/// A resident's comment or thanks longer than 1000 characters.
pub const FEEDBACK_LENGTH: Invalid = invalid(
    "err.too_long",
    "a comment or thanks has at most 1000 characters",
);
/// The text a duplicate suggestion is asked about: a title and the start of a
/// description (the form sends at most 2,100 characters), and not empty.
pub const SIMILAR_TEXT_LENGTH: Invalid = invalid("err.too_long", "1 to 2100 characters");

/// Every problem of a text field: its characters first, then its length
/// (counted in characters after trimming).
fn text_problems(raw: &str, lines: Lines, len: (usize, usize), too: Invalid) -> Vec<Invalid> {
    let mut out = Vec::new();
    if let Err(e) = check_text(raw, lines) {
        out.push(e);
    }
    let n = raw.trim().chars().count();
    if n < len.0 || n > len.1 {
        out.push(too);
    }
    out
}

/// The first problem, or the trimmed text.
fn first(raw: &str, problems: Vec<Invalid>) -> Result<String, Invalid> {
    match problems.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(raw.trim().to_owned()),
    }
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $lines:expr, $len:expr, $too:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Every rule the raw text breaks, in order (none when it is valid).
            pub fn problems(raw: &str) -> Vec<Invalid> {
                text_problems(raw, $lines, $len, $too)
            }

            /// The trimmed text, or the first rule it breaks.
            pub fn parse(raw: &str) -> Result<$name, Invalid> {
                first(raw, Self::problems(raw)).map($name)
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

text_type!(
    /// A concern's title: one line of 1 to 100 characters after trimming.
    Title,
    Lines::One,
    (1, 100),
    TITLE_LENGTH
);
text_type!(
    /// What is wrong: 1 to [`DESCRIPTION_MAX`] characters after trimming,
    /// line breaks allowed.
    Description,
    Lines::Many,
    (1, DESCRIPTION_MAX),
    DESCRIPTION_LENGTH
);
text_type!(
    /// Where, in words: one line of at most 200 characters (an empty one is no
    /// address: see [`optional`]).
    Address,
    Lines::One,
    (1, 200),
    ADDRESS_LENGTH
);
text_type!(
    /// The resident's name as given: one line of at most 50 characters.
    ReporterName,
    Lines::One,
    (1, 50),
    NAME_LENGTH
);

text_type!(
    /// A reporter's comment on the result, or their thanks: at most 1000
    /// characters after trimming (a blank one is none).
    FeedbackText,
    Lines::Many,
    (0, 1000),
    FEEDBACK_LENGTH
);
/// What a duplicate suggestion is asked about (`GET /api/v1/similar`): a
/// title and description, 1 to 2100 characters as sent (the bound the API
/// documents is on the parameter itself, so spaces around count), not all
/// spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimilarText(String);

impl SimilarText {
    /// The text, or the first rule it breaks.
    pub fn parse(raw: &str) -> Result<SimilarText, Invalid> {
        check_text(raw, Lines::Many)?;
        let n = raw.chars().count();
        if raw.trim().is_empty() || n > 2100 {
            return Err(SIMILAR_TEXT_LENGTH);
        }
        Ok(SimilarText(raw.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Some trimmed text, or None when absent or blank.
pub fn optional(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

/// The problems of an optional one-line text: none when absent; when blank,
/// only its characters (a blank one is absent, but a line break is still one).
fn optional_problems(raw: Option<&str>, problems: fn(&str) -> Vec<Invalid>) -> Vec<Invalid> {
    match raw {
        None => Vec::new(),
        Some(r) if r.trim().is_empty() => check_text(r, Lines::One).err().into_iter().collect(),
        Some(r) => problems(r),
    }
}

/// Where the problem is: WGS84 latitude and longitude, both in range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    lat: f64,
    lng: f64,
}

impl Position {
    /// Both coordinates or neither: None when neither is given.
    pub fn parse(lat: Option<f64>, lng: Option<f64>) -> Result<Option<Position>, Invalid> {
        match (lat, lng) {
            (None, None) => Ok(None),
            (Some(lat), Some(lng))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) =>
            {
                Ok(Some(Position { lat, lng }))
            }
            _ => Err(POSITION),
        }
    }

    /// (latitude, longitude).
    pub fn pair(self) -> (f64, f64) {
        (self.lat, self.lng)
    }
}

/// A concern's public tracking code: 10 ASCII letters and digits, as codes
/// are drawn. Read the way people copy it: spaces and dashes between groups
/// are dropped and letters upper-cased (codes are drawn in upper case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingCode(String);

impl TrackingCode {
    /// Validates the shape of a tracking code (not that it exists).
    pub fn parse(raw: &str) -> Result<TrackingCode, Invalid> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if s.len() == 10 && s.chars().all(|c| c.is_ascii_alphanumeric()) {
            Ok(TrackingCode(s))
        } else {
            Err(TRACKING_CODE)
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Answers to a category's extra questions, checked against them and kept as
/// a JSON object (question code to its values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes(String);

impl Attributes {
    /// Checks the answers ([`Category::check_answers`]); None when nothing
    /// was answered.
    pub fn parse(
        category: &Category,
        answers: &[(String, Vec<String>)],
    ) -> Result<Option<Attributes>, AnswerError> {
        let checked = category.check_answers(answers)?;
        if checked.is_empty() {
            return Ok(None);
        }
        let object: serde_json::Map<String, serde_json::Value> = checked
            .into_iter()
            .map(|(k, v)| (k.to_owned(), serde_json::Value::from(v)))
            .collect();
        Ok(Some(Attributes(
            serde_json::Value::Object(object).to_string(),
        )))
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The JSON text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A concern's fields as they came in, before any check.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawConcern<'a> {
    /// A category code.
    pub category: &'a str,
    /// The title.
    pub title: &'a str,
    /// The description.
    pub description: &'a str,
    /// The address, if any.
    pub address: Option<&'a str>,
    /// Latitude, if any.
    pub lat: Option<f64>,
    /// Longitude, if any.
    pub lng: Option<f64>,
    /// The resident's name, if any.
    pub name: Option<&'a str>,
    /// The resident's phone, if any.
    pub phone: Option<&'a str>,
}

/// A concern's fields, each valid. Where it is (an area code, a unit) and the
/// channel are the caller's to resolve: they need the database or the actor.
#[derive(Debug, Clone)]
pub struct NewConcern {
    /// The category.
    pub category: &'static Category,
    /// The title.
    pub title: Title,
    /// The description.
    pub description: Description,
    /// The address, if one was given.
    pub address: Option<Address>,
    /// The coordinates, if given.
    pub position: Option<Position>,
    /// The resident's name, if given.
    pub name: Option<ReporterName>,
    /// The resident's phone, if given.
    pub phone: Option<Phone>,
}

impl NewConcern {
    /// Checks every field and answers with the valid concern or with every
    /// error of every field, field by field in the order of [`RawConcern`].
    /// Blank optional fields count as absent.
    pub fn parse(raw: &RawConcern<'_>) -> Result<NewConcern, FieldErrors> {
        let mut errors: FieldErrors = Vec::new();
        let mut text = |field: &'static str, problems: Vec<Invalid>| {
            let ok = problems.is_empty();
            errors.extend(problems.into_iter().map(|e| (field, e)));
            ok
        };
        let title_ok = text("title", Title::problems(raw.title));
        let description_ok = text("description", Description::problems(raw.description));
        let address = optional(raw.address);
        let address_ok = text("address", optional_problems(raw.address, Address::problems));
        let name = optional(raw.name);
        let name_ok = text("name", optional_problems(raw.name, ReporterName::problems));
        // A phone's characters are checked as text first, like every field.
        let phone_raw = optional(raw.phone);
        let phone_text = raw
            .phone
            .and_then(|p| check_text(p, Lines::One).err())
            .into_iter()
            .collect();
        text("phone", phone_text);
        let phone = match phone_raw.map(Phone::parse).transpose() {
            Ok(p) => p,
            Err(_) => {
                errors.push(("phone", PHONE));
                None
            }
        };
        let category = category::by_code(raw.category);
        if category.is_none() {
            errors.push(("category", CATEGORY));
        }
        let position = Position::parse(raw.lat, raw.lng).unwrap_or_else(|e| {
            errors.push(("lat", e));
            None
        });
        match category {
            Some(category)
                if errors.is_empty() && title_ok && description_ok && address_ok && name_ok =>
            {
                Ok(NewConcern {
                    category,
                    title: Title(raw.title.trim().to_owned()),
                    description: Description(raw.description.trim().to_owned()),
                    address: address.map(|a| Address(a.to_owned())),
                    position,
                    name: name.map(|n| ReporterName(n.to_owned())),
                    phone,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{TEXT_CONTROL, TEXT_DIRECTION, TEXT_LINE_BREAK};

    fn raw() -> RawConcern<'static> {
        RawConcern {
            category: "road",
            title: " 学校门口道路破损 ",
            description: "路面塌陷，\n学生上下学不安全",
            ..RawConcern::default()
        }
    }

    #[test]
    fn titles_are_one_line_of_1_to_100_characters() {
        assert_eq!(Title::parse("  井盖缺失 ").unwrap().as_str(), "井盖缺失");
        assert!(Title::parse(&"长".repeat(100)).is_ok());
        assert_eq!(Title::parse(&"长".repeat(101)), Err(TITLE_LENGTH));
        assert_eq!(Title::parse("   "), Err(TITLE_LENGTH));
        assert_eq!(Title::parse("a\nb"), Err(TEXT_LINE_BREAK));
        assert_eq!(Title::parse("a\u{202E}b"), Err(TEXT_DIRECTION));
        // Both rules broken: both are told, characters first.
        assert_eq!(
            Title::problems(&format!("{}\n", "长".repeat(101))),
            [TEXT_LINE_BREAK, TITLE_LENGTH]
        );
    }

    #[test]
    fn descriptions_take_lines_and_1_to_4000_characters() {
        assert_eq!(
            Description::parse(" 第一行\r\n第二行 ").unwrap().as_str(),
            "第一行\r\n第二行"
        );
        assert!(Description::parse(&"字".repeat(4000)).is_ok());
        // Counted after trimming, in characters (not bytes).
        assert!(Description::parse(&format!(" {} \n", "字".repeat(4000))).is_ok());
        assert_eq!(
            Description::parse(&"字".repeat(4001)),
            Err(DESCRIPTION_LENGTH)
        );
        assert_eq!(Description::parse(" \n "), Err(DESCRIPTION_LENGTH));
        assert_eq!(Description::parse("a\u{0}"), Err(TEXT_CONTROL));
    }

    #[test]
    fn addresses_and_names_have_their_limits() {
        assert!(Address::parse(&"路".repeat(200)).is_ok());
        assert_eq!(Address::parse(&"路".repeat(201)), Err(ADDRESS_LENGTH));
        assert_eq!(Address::parse("一号\n二号"), Err(TEXT_LINE_BREAK));
        assert!(ReporterName::parse(&"王".repeat(50)).is_ok());
        assert_eq!(ReporterName::parse(&"王".repeat(51)), Err(NAME_LENGTH));
        assert_eq!(optional(Some("  ")), None);
        assert_eq!(optional(Some(" 王 ")), Some("王"));
    }

    #[test]
    fn positions_need_both_coordinates_in_range() {
        assert_eq!(Position::parse(None, None), Ok(None));
        assert_eq!(
            Position::parse(Some(34.26), Some(108.94))
                .unwrap()
                .unwrap()
                .pair(),
            (34.26, 108.94)
        );
        assert!(Position::parse(Some(90.0), Some(-180.0)).is_ok());
        for (lat, lng) in [
            (Some(34.0), None),
            (None, Some(108.0)),
            (Some(90.5), Some(0.0)),
            (Some(0.0), Some(-180.1)),
            (Some(f64::NAN), Some(0.0)),
        ] {
            assert_eq!(Position::parse(lat, lng), Err(POSITION), "{lat:?} {lng:?}");
        }
    }

    #[test]
    fn tracking_codes_are_ten_letters_and_digits() {
        assert_eq!(
            TrackingCode::parse(" K7M2Q9XA3B ").unwrap().as_str(),
            "K7M2Q9XA3B"
        );
        // As people copy it: in groups, with dashes or spaces, in lower case.
        for typed in [
            "k7m2q9xa3b",
            "K7M2-Q9XA-3B",
            "k7m2 q9xa 3b",
            "K7M2Q-9XA3B\n",
        ] {
            assert_eq!(TrackingCode::parse(typed).unwrap().as_str(), "K7M2Q9XA3B");
        }
        for bad in [
            "",
            "K7M2Q9XA3",
            "K7M2Q9XA3BC",
            "K7M2Q9XA3-",
            "路灯不亮路灯不亮路灯",
        ] {
            assert_eq!(TrackingCode::parse(bad), Err(TRACKING_CODE), "{bad}");
        }
    }

    #[test]
    fn attributes_are_checked_answers_as_json() {
        let road = category::by_code("road").unwrap();
        assert_eq!(Attributes::parse(road, &[]), Ok(None));
        let q = road.questions.first().expect("road has questions");
        let key = match q.values.first() {
            Some((k, _)) => (*k).to_owned(),
            None => "1".to_owned(),
        };
        let got = Attributes::parse(road, &[(q.code.to_owned(), vec![key.clone()])])
            .unwrap()
            .unwrap();
        assert_eq!(got.as_str(), format!("{{\"{}\":[\"{key}\"]}}", q.code));
        assert_eq!(
            Attributes::parse(road, &[("no_such".into(), vec!["x".into()])]),
            Err(("attribute", "no such question for this category"))
        );
    }

    #[test]
    fn a_valid_concern_is_parsed_trimmed() {
        let c = NewConcern::parse(&RawConcern {
            address: Some("  "),
            name: Some(" 王先生 "),
            phone: Some(" 138 0000 1234 "),
            lat: Some(34.2),
            lng: Some(108.9),
            ..raw()
        })
        .unwrap();
        assert_eq!(c.category.code, "road");
        assert_eq!(c.title.as_str(), "学校门口道路破损");
        assert_eq!(c.description.as_str(), "路面塌陷，\n学生上下学不安全");
        assert_eq!(c.address, None, "a blank address is none");
        assert_eq!(c.name.unwrap().as_str(), "王先生");
        assert_eq!(c.phone.unwrap().as_str(), "13800001234");
        assert_eq!(c.position.unwrap().pair(), (34.2, 108.9));
    }

    #[test]
    fn every_field_error_is_told_at_once() {
        let long = "长".repeat(101);
        let errors = NewConcern::parse(&RawConcern {
            category: "nope",
            title: &long,
            description: "",
            address: Some("a\nb"),
            lat: Some(91.0),
            lng: None,
            name: Some(&"王".repeat(51)),
            phone: Some("12345"),
        })
        .unwrap_err();
        assert_eq!(
            errors,
            [
                ("title", TITLE_LENGTH),
                ("description", DESCRIPTION_LENGTH),
                ("address", TEXT_LINE_BREAK),
                ("name", NAME_LENGTH),
                ("phone", PHONE),
                ("category", CATEGORY),
                ("lat", POSITION),
            ]
        );
        // A phone with a control character: its characters and its shape.
        let errors = NewConcern::parse(&RawConcern {
            phone: Some("138\u{0}00001234"),
            ..raw()
        })
        .unwrap_err();
        assert_eq!(errors, [("phone", TEXT_CONTROL), ("phone", PHONE)]);
        // One field wrong: that one only.
        let errors = NewConcern::parse(&RawConcern { title: "", ..raw() }).unwrap_err();
        assert_eq!(errors, [("title", TITLE_LENGTH)]);
    }
}
