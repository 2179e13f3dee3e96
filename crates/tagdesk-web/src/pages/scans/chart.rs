//! The geometry of the "scans per day" bar chart, drawn by the template as inline SVG (no script, no
//! external resources; colours come from the stylesheet). Coordinates are in the SVG's own units
//! ([`WIDTH`] × [`HEIGHT`]); the browser scales the whole picture.

/// The SVG's width in its own units.
pub const WIDTH: f64 = 720.0;
/// The SVG's height in its own units.
pub const HEIGHT: f64 = 200.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 26.0;

/// One bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Left edge.
    pub x: String,
    /// Top edge.
    pub y: String,
    /// Width.
    pub width: String,
    /// Height (0 for a day without scans).
    pub height: String,
    /// Its tooltip and accessible name: "2026-05-01: 3 scans".
    pub title: String,
}

/// A label on an axis.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisLabel {
    /// Anchor x.
    pub x: String,
    /// Anchor y.
    pub y: String,
    /// The text.
    pub text: String,
}

/// Everything the template draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// `0 0 WIDTH HEIGHT`.
    pub view_box: String,
    /// The bars, one per day.
    pub bars: Vec<Bar>,
    /// The y-axis labels (0 and the maximum).
    pub y_labels: Vec<AxisLabel>,
    /// The x-axis labels (first, middle and last day).
    pub x_labels: Vec<AxisLabel>,
    /// The baseline: x1, x2 and y.
    pub axis: (String, String, String),
}

fn n(value: f64) -> String {
    format!("{value:.1}")
}

/// "1 scan", "3 scans".
pub fn scans_text(count: i64) -> String {
    if count == 1 { "1 scan".to_owned() } else { format!("{count} scans") }
}

/// The chart of `(day, count)` pairs in order.
pub fn bars(days: &[(String, i64)]) -> Chart {
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let baseline = TOP + plot_height;
    let max = days.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1);
    let (slot, max_f) = (plot_width / days.len().max(1) as f64, max as f64);
    let gap = if slot > 4.0 { slot * 0.2 } else { 0.0 };
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, (day, count))| {
            let (i, value) = (i as f64, *count as f64);
            let height = plot_height * value / max_f;
            Bar {
                x: n(LEFT + i * slot + gap / 2.0),
                y: n(baseline - height),
                width: n((slot - gap).max(0.5)),
                height: n(height),
                title: format!("{day}: {}", scans_text(*count)),
            }
        })
        .collect();
    let y_labels = vec![
        AxisLabel { x: n(LEFT - 6.0), y: n(baseline), text: "0".to_owned() },
        AxisLabel { x: n(LEFT - 6.0), y: n(TOP + 10.0), text: max.to_string() },
    ];
    let mut x_labels = Vec::new();
    let last = days.len().saturating_sub(1);
    let mut picks = vec![0, last / 2, last];
    picks.dedup();
    for i in picks {
        if let Some((day, _)) = days.get(i) {
            let centre = LEFT + (i as f64 + 0.5) * slot;
            let x = centre.clamp(LEFT + 34.0, WIDTH - RIGHT - 34.0);
            x_labels.push(AxisLabel { x: n(x), y: n(HEIGHT - 8.0), text: day.clone() });
        }
    }
    Chart {
        view_box: format!("0 0 {WIDTH} {HEIGHT}"),
        bars,
        y_labels,
        x_labels,
        axis: (n(LEFT), n(WIDTH - RIGHT), n(baseline)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_busiest_day_and_stay_inside_the_plot() {
        let days: Vec<(String, i64)> =
            [0, 4, 2, 0, 8].iter().enumerate().map(|(i, c)| (format!("2026-05-0{}", i + 1), *c)).collect();
        let chart = bars(&days);
        assert_eq!(chart.bars.len(), 5);
        let heights: Vec<f64> = chart.bars.iter().map(|b| b.height.parse().expect("number")).collect();
        assert_eq!(heights[0], 0.0);
        assert_eq!(heights[4], HEIGHT - TOP - BOTTOM);
        assert!((heights[1] - heights[4] / 2.0).abs() < 0.2);
        for bar in &chart.bars {
            let x: f64 = bar.x.parse().expect("x");
            let w: f64 = bar.width.parse().expect("w");
            assert!(x >= LEFT && x + w <= WIDTH - RIGHT + 0.1, "{bar:?}");
        }
        assert_eq!(chart.bars[1].title, "2026-05-02: 4 scans");
        assert_eq!(chart.y_labels[1].text, "8");
        assert_eq!(
            chart.x_labels.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
            ["2026-05-01", "2026-05-03", "2026-05-05"]
        );
        // No scans at all: flat bars, a maximum label of 1, no division by zero.
        let empty = bars(&[("2026-05-01".to_owned(), 0)]);
        assert_eq!(empty.bars[0].height, "0.0");
        assert_eq!(empty.x_labels.len(), 1);
        assert_eq!(scans_text(1), "1 scan");
    }
}
