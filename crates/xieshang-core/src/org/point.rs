//! A unit's representative point and the rule that picks a resident's area
//! from their coordinates (issue 26 point 5, decision 0049). Pure rules: the
//! store reads the candidates near the point, [`pick`] chooses among them.

use crate::org::OrgKind;
use crate::values::{invalid, Invalid};

/// A point on the earth (WGS84), valid once made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    lat: f64,
    lng: f64,
}

/// A latitude typed outside -90..90.
pub const LAT: Invalid = invalid("err.point_lat", "latitude is a number from -90 to 90");
/// A longitude typed outside -180..180.
pub const LNG: Invalid = invalid("err.point_lng", "longitude is a number from -180 to 180");
/// One coordinate given without the other.
pub const PAIR: Invalid = invalid(
    "err.point_pair",
    "give both latitude and longitude, or neither to clear the point",
);

/// Metres per degree of latitude (mean earth radius 6,371,008.8 m).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

impl Point {
    /// A point from numbers; None outside -90..90, -180..180 (or not finite).
    pub fn new(lat: f64, lng: f64) -> Option<Point> {
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng))
            .then_some(Point { lat, lng })
    }

    /// A point as typed in a form: both empty clears it (None); otherwise
    /// every field's error at once, under the field's name (`lat`, `lng`).
    pub fn parse_form(lat: &str, lng: &str) -> Result<Option<Point>, Vec<(&'static str, Invalid)>> {
        let (lat, lng) = (lat.trim(), lng.trim());
        if lat.is_empty() && lng.is_empty() {
            return Ok(None);
        }
        let read = |s: &str, range: std::ops::RangeInclusive<f64>, e: Invalid| {
            if s.is_empty() {
                return Err(PAIR);
            }
            s.parse::<f64>().ok().filter(|v| range.contains(v)).ok_or(e)
        };
        match (read(lat, -90.0..=90.0, LAT), read(lng, -180.0..=180.0, LNG)) {
            (Ok(lat), Ok(lng)) => Ok(Some(Point { lat, lng })),
            (a, b) => Err([("lat", a.err()), ("lng", b.err())]
                .into_iter()
                .filter_map(|(f, e)| e.map(|e| (f, e)))
                .collect()),
        }
    }

    /// Latitude.
    pub fn lat(self) -> f64 {
        self.lat
    }

    /// Longitude.
    pub fn lng(self) -> f64 {
        self.lng
    }

    /// Great-circle distance in metres (haversine).
    pub fn metres_to(self, other: Point) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lng - self.lng).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
    }

    /// The box of latitudes and longitudes that holds every point within
    /// `metres` of this one: ((south, north), (west, east)). For the
    /// database's range read; [`pick`] measures the true distance.
    pub fn bounds(self, metres: f64) -> ((f64, f64), (f64, f64)) {
        let dlat = (metres / EARTH_RADIUS_M).to_degrees();
        // Near the poles a degree of longitude shrinks to nothing: take all.
        let cos = self.lat.to_radians().cos();
        let dlng = if cos < 0.01 {
            180.0
        } else {
            (dlat / cos).min(180.0)
        };
        (
            (self.lat - dlat, self.lat + dlat),
            (self.lng - dlng, self.lng + dlng),
        )
    }
}

/// How far from a community's (or one of its grids') point a resident may
/// stand and still be placed in that community.
pub const COMMUNITY_REACH_M: f64 = 2_000.0;
/// How far from a street's point a resident may stand and be placed in that
/// street, when no community is near enough. Beyond it nothing is picked and
/// the resident chooses.
pub const STREET_REACH_M: f64 = 8_000.0;
/// The widest reach: what the store reads around a point.
pub const MAX_REACH_M: f64 = STREET_REACH_M;

/// A unit with a point, as the store reads it near the resident.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    /// The unit.
    pub id: i64,
    /// Its kind (street, community or grid; others are ignored).
    pub kind: OrgKind,
    /// Its parent (a grid's community).
    pub parent_id: Option<i64>,
    /// Its point.
    pub point: Point,
}

/// The area picked for a point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pick {
    /// The area: a community, or a street.
    pub area_id: i64,
    /// The unit whose point was nearest (the area, or one of its grids).
    pub by: i64,
    /// How far that point is, in metres.
    pub metres: f64,
}

/// The resident's area at `at`: the community whose point, or whose grid's
/// point, is nearest within [`COMMUNITY_REACH_M`]; failing that, the street
/// whose point is nearest within [`STREET_REACH_M`]; failing that, none. A
/// grid is never the answer itself: residents know their community by name,
/// rarely their grid's number. Ties go to the lower id, so the answer does
/// not depend on the order read.
pub fn pick(at: Point, units: &[Placed]) -> Option<Pick> {
    let nearest = |level: &dyn Fn(&Placed) -> Option<i64>, reach: f64| {
        units
            .iter()
            .filter_map(|u| {
                level(u).map(|area| Pick {
                    area_id: area,
                    by: u.id,
                    metres: at.metres_to(u.point),
                })
            })
            .filter(|p| p.metres <= reach)
            .min_by(|a, b| a.metres.total_cmp(&b.metres).then(a.by.cmp(&b.by)))
    };
    let community = |u: &Placed| match u.kind {
        OrgKind::Community => Some(u.id),
        OrgKind::Grid => u.parent_id,
        _ => None,
    };
    let street = |u: &Placed| (u.kind == OrgKind::Street).then_some(u.id);
    nearest(&community, COMMUNITY_REACH_M).or_else(|| nearest(&street, STREET_REACH_M))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lat: f64, lng: f64) -> Point {
        Point::new(lat, lng).unwrap()
    }

    #[test]
    fn a_form_gives_both_coordinates_in_range_or_neither() {
        assert_eq!(Point::parse_form(" ", ""), Ok(None));
        assert_eq!(
            Point::parse_form("34.66", " 109.23 "),
            Ok(Some(p(34.66, 109.23)))
        );
        assert_eq!(Point::parse_form("-90", "180"), Ok(Some(p(-90.0, 180.0))));
        assert_eq!(Point::parse_form("34.66", ""), Err(vec![("lng", PAIR)]));
        assert_eq!(Point::parse_form("", "109"), Err(vec![("lat", PAIR)]));
        assert_eq!(
            Point::parse_form("91", "181"),
            Err(vec![("lat", LAT), ("lng", LNG)])
        );
        assert_eq!(Point::parse_form("北纬34", "109"), Err(vec![("lat", LAT)]));
        assert_eq!(
            Point::parse_form("NaN", "inf"),
            Err(vec![("lat", LAT), ("lng", LNG)])
        );
        assert_eq!(Point::new(f64::NAN, 0.0), None);
    }

    #[test]
    fn distances_are_great_circle_metres() {
        // One degree of latitude is about 111.2 km.
        let d = p(34.0, 108.9).metres_to(p(35.0, 108.9));
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
        assert_eq!(p(34.2, 108.9).metres_to(p(34.2, 108.9)), 0.0);
        // The box around a point holds every point within the distance.
        let at = p(34.66, 109.23);
        let ((s, n), (w, e)) = at.bounds(8_000.0);
        for (lat, lng) in [(n, at.lng()), (s, at.lng()), (at.lat(), e), (at.lat(), w)] {
            let d = at.metres_to(p(lat, lng));
            assert!((d - 8_000.0).abs() < 1.0, "{d}");
        }
    }

    #[test]
    fn the_community_is_preferred_then_the_street_within_reach() {
        let street = Placed {
            id: 10,
            kind: OrgKind::Street,
            parent_id: Some(1),
            point: p(34.6620, 109.2270),
        };
        let community = Placed {
            id: 11,
            kind: OrgKind::Community,
            parent_id: Some(10),
            point: p(34.6590, 109.2320),
        };
        let grid = Placed {
            id: 12,
            kind: OrgKind::Grid,
            parent_id: Some(13),
            point: p(34.6700, 109.2200),
        };
        let units = [street, community, grid];
        // At the street's own point the community 560 m away is chosen.
        let at = p(34.6620, 109.2270);
        let got = pick(at, &units).unwrap();
        assert_eq!((got.area_id, got.by), (11, 11));
        // Next to a grid's point: the grid's community, not the grid.
        let got = pick(p(34.6701, 109.2201), &units).unwrap();
        assert_eq!((got.area_id, got.by), (13, 12));
        // 5 km from every community but within the street's reach.
        let far = p(34.6620 + 0.045, 109.2270);
        assert_eq!(pick(far, &units).map(|g| g.area_id), Some(10));
        // Beyond every reach, nothing.
        assert_eq!(pick(p(34.2, 108.9), &units), None);
        // Other kinds are not areas.
        let dept = Placed {
            kind: OrgKind::Department,
            ..community
        };
        assert_eq!(pick(community.point, &[dept]), None);
        // Ties go to the lower id, whatever the order read.
        let twin = Placed { id: 9, ..community };
        assert_eq!(
            pick(community.point, &[community, twin]).unwrap().area_id,
            9
        );
    }
}
