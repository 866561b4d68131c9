//! Concern categories with their service level (working days to resolve), as data.
//! A per-body editable table comes with the triage work; these are the defaults.

/// A concern category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    /// Stable code used by forms and the API.
    pub code: &'static str,
    /// zh-CN name.
    pub name_zh: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// Working days allowed from assignment to resolution.
    pub service_days: u32,
    /// Extra questions this category asks (Open311 service attributes).
    pub questions: &'static [Question],
    /// Filed at the root unit (the city's body) whatever area is given: a
    /// barrier in this service itself is no area's to mend. Such a category is
    /// not offered on the area forms (see [`on_area_forms`]).
    pub at_root: bool,
}

/// The kind of answer a question takes (Open311 attribute datatypes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datatype {
    /// One line of text.
    String,
    /// A number.
    Number,
    /// Longer text.
    Text,
    /// One of the listed values.
    SingleValueList,
    /// Any of the listed values.
    MultiValueList,
}

impl Datatype {
    /// The Open311 code.
    pub fn code(self) -> &'static str {
        match self {
            Datatype::String => "string",
            Datatype::Number => "number",
            Datatype::Text => "text",
            Datatype::SingleValueList => "singlevaluelist",
            Datatype::MultiValueList => "multivaluelist",
        }
    }
}

/// An extra question of a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    /// Stable code (the Open311 attribute code).
    pub code: &'static str,
    /// Kind of answer.
    pub datatype: Datatype,
    /// Whether an answer is required.
    pub required: bool,
    /// The question in zh-CN.
    pub text_zh: &'static str,
    /// The question in English.
    pub text_en: &'static str,
    /// Allowed values for lists: (key, zh-CN name).
    pub values: &'static [(&'static str, &'static str)],
}

/// Why answers to a category's questions were refused: (question code, message).
pub type AnswerError = (&'static str, &'static str);

impl Category {
    /// Checks answers (question code, values) against the questions: every
    /// required question answered, list answers among the listed keys, numbers
    /// numeric, no unknown questions. Returns the answers in question order.
    pub fn check_answers(
        &self,
        answers: &[(String, Vec<String>)],
    ) -> Result<Vec<(&'static str, Vec<String>)>, AnswerError> {
        for (code, _) in answers {
            if !self.questions.iter().any(|q| q.code == code) {
                return Err(("attribute", "no such question for this category"));
            }
        }
        let mut out = Vec::new();
        for q in self.questions {
            let given: Vec<String> = answers
                .iter()
                .filter(|(c, _)| c == q.code)
                .flat_map(|(_, v)| v.iter())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect();
            if given.is_empty() {
                if q.required {
                    return Err((q.code, "this question must be answered"));
                }
                continue;
            }
            let ok = match q.datatype {
                Datatype::SingleValueList => {
                    given.len() == 1 && q.values.iter().any(|(k, _)| *k == given[0])
                }
                Datatype::MultiValueList => {
                    given.iter().all(|g| q.values.iter().any(|(k, _)| k == g))
                }
                Datatype::Number => given.len() == 1 && given[0].parse::<f64>().is_ok(),
                Datatype::String | Datatype::Text => {
                    given.len() == 1 && given[0].chars().count() <= 500
                }
            };
            if !ok {
                return Err((q.code, "this answer is not one the question allows"));
            }
            out.push((q.code, given));
        }
        Ok(out)
    }
}

const NEAR_SCHOOL: Question = Question {
    code: "near_school",
    datatype: Datatype::SingleValueList,
    required: false,
    text_zh: "是否在学校周边",
    text_en: "Is it near a school?",
    values: &[("yes", "是"), ("no", "否")],
};

const WATER_KIND: Question = Question {
    code: "water_kind",
    datatype: Datatype::SingleValueList,
    required: false,
    text_zh: "问题类型",
    text_en: "What kind of problem?",
    values: &[
        ("burst_main", "供水管爆裂"),
        ("no_water", "停水"),
        ("sewage", "污水外溢"),
        ("flooding", "道路积水"),
    ],
};

/// The default categories.
pub const DEFAULT: &[Category] = &[
    Category {
        code: "road",
        name_zh: "道路设施",
        name_en: "Roads and facilities",
        questions: &[NEAR_SCHOOL],
        at_root: false,
        service_days: 10,
    },
    Category {
        code: "water",
        name_zh: "供水排水",
        name_en: "Water supply and drainage",
        questions: &[WATER_KIND],
        at_root: false,
        service_days: 3,
    },
    Category {
        code: "environment",
        name_zh: "环境卫生",
        name_en: "Environment and sanitation",
        questions: &[],
        at_root: false,
        service_days: 5,
    },
    Category {
        code: "safety",
        name_zh: "安全隐患",
        name_en: "Safety hazards",
        questions: &[],
        at_root: false,
        service_days: 2,
    },
    Category {
        code: "market",
        name_zh: "市场秩序",
        name_en: "Markets and street trading",
        questions: &[],
        at_root: false,
        service_days: 5,
    },
    Category {
        code: "housing",
        name_zh: "住房物业",
        name_en: "Housing and property management",
        questions: &[],
        at_root: false,
        service_days: 10,
    },
    Category {
        code: "education",
        name_zh: "教育",
        name_en: "Education",
        questions: &[],
        at_root: false,
        service_days: 10,
    },
    Category {
        code: "other",
        name_zh: "其他",
        name_en: "Other",
        questions: &[],
        at_root: false,
        service_days: 15,
    },
    BARRIER,
];

/// The category of a barrier met in this service (the accessibility page's form).
pub const ACCESSIBILITY: &str = "accessibility";

/// A barrier met in this service itself, filed at the root unit.
pub const BARRIER: Category = Category {
    code: ACCESSIBILITY,
    name_zh: "本平台无障碍问题",
    name_en: "Accessibility barriers in this service",
    questions: &[],
    at_root: true,
    // A barrier shuts someone out of every other service here: as urgent
    // as a water outage, shorter than ordinary repairs.
    service_days: 3,
};

/// Whether a category is offered where a resident picks an area: not those
/// filed at the root unit (a blind lane blocked in a street is `road`, not a
/// barrier in this service).
pub fn on_area_forms(c: &Category) -> bool {
    !c.at_root
}

/// A default category by code.
pub fn by_code(code: &str) -> Option<&'static Category> {
    DEFAULT.iter().find(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<_> = super::DEFAULT.iter().map(|c| c.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), super::DEFAULT.len());
        assert_eq!(super::by_code("water").map(|c| c.service_days), Some(3));
        assert!(super::by_code("nope").is_none());
        let barrier = super::by_code(super::ACCESSIBILITY).unwrap();
        assert_eq!(*barrier, super::BARRIER);
        assert!(barrier.at_root && !super::on_area_forms(barrier));
        assert_eq!(
            super::DEFAULT.iter().filter(|c| c.at_root).count(),
            1,
            "only the barrier category goes to the root unit"
        );
    }

    #[test]
    fn answers_are_checked_against_the_questions() {
        let mut water = *super::by_code("water").unwrap();
        const REQUIRED: [super::Question; 1] = [super::Question {
            required: true,
            ..super::WATER_KIND
        }];
        water.questions = &REQUIRED;
        let a = |c: &str, v: &[&str]| (c.to_owned(), v.iter().map(|s| s.to_string()).collect());
        assert_eq!(
            water.check_answers(&[]),
            Err(("water_kind", "this question must be answered"))
        );
        assert!(water.check_answers(&[a("water_kind", &["lava"])]).is_err());
        assert!(water.check_answers(&[a("colour", &["blue"])]).is_err());
        assert!(water
            .check_answers(&[a("water_kind", &["burst_main", "no_water"])])
            .is_err());
        let ok = water
            .check_answers(&[a("water_kind", &["burst_main"])])
            .unwrap();
        assert_eq!(ok, vec![("water_kind", vec!["burst_main".to_owned()])]);
        let road = super::by_code("road").unwrap();
        assert_eq!(road.check_answers(&[]).unwrap(), vec![]);
    }
}
