//! Static files embedded in the binary (`static/`), served under names that
//! carry a hash of their content.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// A static file embedded in the binary. Pages link it under a name that
/// carries a hash of its content (`app.1f2e….css`), which browsers may keep for
/// a year: a build that changes the file changes the name. The plain name still
/// answers, briefly cached, for pages a browser kept from an older build.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../static/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../static/app.js"),
    },
];

/// Each asset's versioned URL, by plain name, and each asset by versioned file name.
type AssetIndex = (
    std::collections::HashMap<&'static str, String>,
    std::collections::HashMap<String, &'static Asset>,
);

fn asset_index() -> &'static AssetIndex {
    static INDEX: std::sync::OnceLock<AssetIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut urls = std::collections::HashMap::new();
        let mut files = std::collections::HashMap::new();
        for a in ASSETS {
            // FNV-1a: a fingerprint of the content, not a security measure.
            let hash = a.body.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            let (stem, ext) = a.name.rsplit_once('.').unwrap_or((a.name, ""));
            let file = format!("{stem}.{hash:016x}.{ext}");
            urls.insert(a.name, format!("/static/{file}"));
            files.insert(file, a);
        }
        (urls, files)
    })
}

/// The versioned URL of an embedded static file, such as `app.css`.
pub fn asset_url(name: &str) -> &'static str {
    asset_index()
        .0
        .get(name)
        .map(String::as_str)
        .unwrap_or("/static/missing")
}

/// `/static/{file}`: a versioned name is cached for a year and never
/// revalidated; a plain name for five minutes.
pub async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (cache, asset) = match asset_index().1.get(&file) {
        Some(a) => ("public, max-age=31536000, immutable", *a),
        None => match ASSETS.iter().find(|a| a.name == file) {
            Some(a) => ("public, max-age=300", a),
            None => return StatusCode::NOT_FOUND.into_response(),
        },
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, cache),
        ],
        asset.body,
    )
        .into_response()
}
