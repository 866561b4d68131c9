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
}

/// The default categories.
pub const DEFAULT: &[Category] = &[
    Category {
        code: "road",
        name_zh: "道路设施",
        name_en: "Roads and facilities",
        service_days: 10,
    },
    Category {
        code: "water",
        name_zh: "供水排水",
        name_en: "Water supply and drainage",
        service_days: 3,
    },
    Category {
        code: "environment",
        name_zh: "环境卫生",
        name_en: "Environment and sanitation",
        service_days: 5,
    },
    Category {
        code: "safety",
        name_zh: "安全隐患",
        name_en: "Safety hazards",
        service_days: 2,
    },
    Category {
        code: "market",
        name_zh: "市场秩序",
        name_en: "Markets and street trading",
        service_days: 5,
    },
    Category {
        code: "housing",
        name_zh: "住房物业",
        name_en: "Housing and property management",
        service_days: 10,
    },
    Category {
        code: "education",
        name_zh: "教育",
        name_en: "Education",
        service_days: 10,
    },
    Category {
        code: "other",
        name_zh: "其他",
        name_en: "Other",
        service_days: 15,
    },
];

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
    }
}
