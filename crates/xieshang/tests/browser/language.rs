//! Browser tests: language (issue 26). Each test takes its own city with `crate::demo()`.

use fantoccini::Locator;

/// The boxes of the hotspots form and its fields, as the browser lays them out:
/// (form display, form rect, [field rects], button rect, page wider than window).
async fn hotspots_layout(c: &fantoccini::Client) -> serde_json::Value {
    c.execute(
        "const f = document.querySelector('#hotspots-form') || document.querySelector('form[action=\"/hotspots\"]');
         const r = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
         return {
           display: getComputedStyle(f).display,
           form: r(f),
           fields: ['#days', '#level', '#min'].map(s => r(document.querySelector(s))),
           labels: ['days', 'level', 'min'].map(s => r(document.querySelector('label[for=' + s + ']'))),
           button: r(f.querySelector('button')),
           overflow: document.documentElement.scrollWidth > window.innerWidth + 1,
         };",
        vec![],
    )
    .await
    .unwrap()
}

fn rect(v: &serde_json::Value) -> [f64; 4] {
    let a = v.as_array().unwrap();
    [0, 1, 2, 3].map(|i| a[i].as_f64().unwrap())
}

/// Issue 26: the hotspots form is a card holding its fields, each label above its
/// box; on a desktop the three fields share one row, on a phone they stack and
/// fit the screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hotspots_form_is_laid_out_on_a_phone_and_a_desktop() {
    let Some(d) = crate::demo().await else { return };
    crate::login(&d.c, &d.base, "staff").await;
    for (w, h, name) in [(390, 844, "phone"), (1280, 900, "desktop")] {
        d.c.set_window_size(w, h).await.unwrap();
        d.c.goto(&format!("{}/hotspots", d.base)).await.unwrap();
        d.c.wait().for_element(Locator::Css("#days")).await.unwrap();
        crate::shot(&d.c, &format!("hotspots-{name}")).await;
        let l = hotspots_layout(&d.c).await;
        assert_eq!(l["display"], "block", "{name}: the form is a block: {l}");
        assert_eq!(l["overflow"], false, "{name}: wider than the window: {l}");
        let form = rect(&l["form"]);
        let fields: Vec<[f64; 4]> = l["fields"].as_array().unwrap().iter().map(rect).collect();
        let labels: Vec<[f64; 4]> = l["labels"].as_array().unwrap().iter().map(rect).collect();
        let inside = |r: [f64; 4]| {
            r[0] >= form[0] - 0.5
                && r[2] <= form[2] + 0.5
                && r[1] >= form[1] - 0.5
                && r[3] <= form[3] + 0.5
        };
        for (f, lb) in fields.iter().zip(&labels) {
            assert!(inside(*f), "{name}: a field outside the form: {l}");
            assert!(
                lb[3] <= f[1] + 0.5,
                "{name}: a label not above its box: {l}"
            );
            assert!(
                (lb[0] - f[0]).abs() < 1.0,
                "{name}: a label not aligned with its box: {l}"
            );
        }
        assert!(
            inside(rect(&l["button"])),
            "{name}: the button outside the form: {l}"
        );
        if name == "desktop" {
            assert!(
                fields.iter().all(|f| (f[1] - fields[0][1]).abs() < 1.0),
                "desktop: the fields share one row: {l}"
            );
        } else {
            assert!(
                fields.windows(2).all(|p| p[1][1] >= p[0][3]),
                "phone: the fields stack: {l}"
            );
        }
    }
    d.finish().await;
}
