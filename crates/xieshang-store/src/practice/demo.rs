//! The sample city's best practices (issue 31 point 8): practices of several
//! districts in different states, one field meeting that showed three of
//! them, and one booklet of two chapters, written at once. 阎良区 has none: its 多商量 practice is the story's to submit.

use crate::db::Db;
use crate::item::{self, By};
use crate::Result;
use xieshang_core::item::{Action, PRACTICE};
use xieshang_core::practice::{Practice, RawPractice};
use xieshang_core::Actor;

struct Sample {
    district: &'static str,
    title: &'static str,
    area: &'static str,
    summary: &'static str,
    steps: &'static str,
    figures: &'static str,
    /// The steps it has gone through after being written.
    path: &'static [(Action, Option<&'static str>)],
}

const SELECTED: &[(Action, Option<&str>)] = &[(Action::File, None), (Action::Select, None)];

const SAMPLES: [Sample; 6] = [
    Sample {
        district: "beilin",
        title: "“有事好商量”协商议事厅进街道",
        area: "consultation",
        summary: "碑林区政协在8个街道设立协商议事厅，专委会与街道联络组共同选题，\
                  围绕老旧小区改造、背街小巷治理开展协商，议定事项由街道跟踪落实。",
        steps: "一、专委会与街道联络组每季度共同确定议题；\n\
                二、邀请居民代表、职能部门和委员同堂议事；\n\
                三、议定事项形成清单，街道办理，政协跟踪问效。",
        figures: "议事厅: 8个\n开展协商: 46场\n推动解决问题: 132件",
        path: SELECTED,
    },
    Sample {
        district: "weiyang",
        title: "五个民主监督小组“一套制度、一个流程、一个公示”",
        area: "supervision",
        summary: "未央区政协组建5个民主监督小组，对口43个部门，\
                  统一监督制度、统一工作流程、统一公示结果，监督意见件件有回音。",
        steps:
            "一、制定民主监督工作规则；\n二、各小组与对口部门商定年度计划；\n三、整改结果统一公示。",
        figures: "监督小组: 5个\n对口部门: 43个\n监督意见: 67条",
        path: SELECTED,
    },
    Sample {
        district: "changan",
        title: "委员履职积分管理",
        area: "duty",
        summary: "长安区政协建立委员履职积分制度，会议、提案、社情民意、联系群众\
                  逐项记分，年终公开通报，积分作为评优和换届的重要依据。",
        steps: "一、制定积分细则；\n二、平台自动记录履职事项；\n三、年终通报并运用结果。",
        figures: "参与委员: 236人\n年度履职事项: 3150件",
        path: SELECTED,
    },
    Sample {
        district: "yanta",
        title: "委员工作室打通服务群众“最后一公里”",
        area: "service",
        summary: "雁塔区政协在社区设立委员工作室，委员轮值接待群众，\
                  收集的诉求分流到部门办理并回访。",
        steps: "一、工作室设在社区党群服务中心；\n二、委员每月轮值；\n三、诉求分流办理、限时回访。",
        figures: "委员工作室: 12个\n接待群众: 1860人次",
        path: &[(Action::File, None)],
    },
    Sample {
        district: "lianhu",
        title: "党建引领专委会工作",
        area: "party_building",
        summary: "莲湖区政协以专委会功能型党小组为抓手，把党建工作与履职工作同谋划、同推进。",
        steps: "一、专委会建立功能型党小组；\n二、党小组会前学习、会中议事。",
        figures: "功能型党小组: 6个",
        path: &[
            (Action::File, None),
            (
                Action::RequestChanges,
                Some("请补充党小组带动委员履职的具体事例和数据。"),
            ),
        ],
    },
    Sample {
        district: "baqiao",
        title: "界别协商助力乡村振兴",
        area: "consultation",
        summary: "灞桥区政协农业界、经济界委员联合开展乡村振兴协商，推动特色产业发展。",
        steps: "",
        figures: "",
        path: &[],
    },
];

/// Writes the sample practices, the field meeting and the queued booklet.
/// `city` is the city's staff; district staff are used where the demo has
/// an account for the district (碑林区), the city's staff otherwise.
pub async fn demo(db: &Db, city: &Actor, beilin: &Actor) -> Result<()> {
    let mut ids = Vec::new();
    for s in &SAMPLES {
        let org = crate::org::by_code_unchecked(db, s.district).await?;
        let author = if s.district == "beilin" { beilin } else { city };
        let p = Practice::parse(&RawPractice {
            title: s.title.into(),
            area: s.area.into(),
            summary: s.summary.into(),
            steps: s.steps.into(),
            figures: s.figures.into(),
        })
        .map_err(super::first_error)?;
        let now = db.now_ms();
        let mut tx = db.begin_write().await?;
        let id =
            super::insert_in(&mut tx, db, now, org.id, (author.user_id, Some(author)), &p).await?;
        for (action, note) in s.path {
            let by = match action {
                Action::File | Action::Resubmit => author,
                _ => city,
            };
            item::transition_in(
                &mut tx,
                now,
                &PRACTICE,
                id,
                *action,
                By::User(by),
                *note,
                &[],
            )
            .await
            .map_err(item::TransitionError::into_store)?;
            if *action == Action::File {
                sqlx::query("UPDATE practices SET submitted_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(n) = note {
                sqlx::query("UPDATE practices SET review_note = $1 WHERE id = $2")
                    .bind(n)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        if s.path.last().map(|p| p.0) == Some(Action::Select) {
            let mut tx = db.begin_write().await?;
            super::reindex_in(&mut tx, db, id).await?;
            sqlx::query("UPDATE practices SET decided_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        ids.push(id);
    }
    let today = xieshang_core::calendar::cst_date(db.now_ms())
        .format("%Y-%m-%d")
        .to_string();
    super::meeting::create(
        db,
        city,
        "全市政协优秀做法现场会",
        "碑林区政协协商议事厅",
        &today,
        &[ids[0], ids[1], ids[2], ids[3]],
    )
    .await?;
    let booklet = super::booklet::create_with(
        db,
        city,
        &xieshang_core::practice::RawBooklet {
            title: "西安市政协优秀做法汇编",
            body: "西安市政协",
            issued_on: &today,
            chapters: "协商议事与民主监督\n履职管理",
            picks: vec![(ids[0], "1", "1"), (ids[1], "1", "2"), (ids[2], "2", "1")],
        },
        false,
    )
    .await?;
    // Written now rather than queued, so a fresh demo leaves no job due (the
    // metrics say so); without a CJK font it is marked failed with the reason.
    super::booklet::generate(db, booklet)
        .await
        .map_err(|e| crate::Error::Db(sqlx::Error::Protocol(e.to_string())))?;
    Ok(())
}
