//! Staff-written Markdown (welcome message, instructions, contact details) rendered for visitors:
//! paragraphs, line breaks, emphasis, lists and links — nothing else. Raw HTML in the input is dropped
//! before rendering; the rendered HTML then goes through an ammonia allow-list (tags `p br em strong ul ol
//! li a`, only `href` on links, only http/https/mailto/tel URLs, `rel="noopener nofollow"` on every link).
//! Templates may mark only this module's output `|safe`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(HashSet::from(["p", "br", "em", "strong", "ul", "ol", "li", "a"]))
        .generic_attributes(HashSet::new())
        .add_tag_attributes("a", ["href"])
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener nofollow"))
        .clean_content_tags(HashSet::from(["script", "style"]))
        .strip_comments(true);
    builder
});

/// Most rendered texts kept by [`render_cached`].
const CACHE_MAX: usize = 256;

static CACHE: LazyLock<Mutex<HashMap<String, Arc<str>>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// [`render`] with a small in-memory cache: the same few texts (a deployment's welcome message,
/// instructions and contact details) are shown on every portal page.
pub fn render_cached(markdown: &str) -> Arc<str> {
    if let Ok(cache) = CACHE.lock()
        && let Some(html) = cache.get(markdown)
    {
        return Arc::clone(html);
    }
    let html: Arc<str> = Arc::from(render(markdown));
    if let Ok(mut cache) = CACHE.lock() {
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(markdown.to_owned(), Arc::clone(&html));
    }
    html
}

/// Renders limited Markdown to safe HTML. Empty input gives "".
pub fn render(markdown: &str) -> String {
    if markdown.trim().is_empty() {
        return String::new();
    }
    // No extensions: no tables, footnotes or raw-HTML-ish features.
    let parser = Parser::new_ext(markdown, Options::empty());
    let mut image_depth = 0_usize;
    let events = parser.filter_map(|event| match event {
        // Raw HTML is dropped, never rendered.
        Event::Html(_) | Event::InlineHtml(_) => None,
        // Images become their alt text.
        Event::Start(Tag::Image { .. }) => {
            image_depth += 1;
            None
        }
        Event::End(TagEnd::Image) => {
            image_depth = image_depth.saturating_sub(1);
            None
        }
        // Headings read as a strong paragraph.
        Event::Start(Tag::Heading { .. }) => Some(Event::Start(Tag::Paragraph)),
        Event::End(TagEnd::Heading(_)) => Some(Event::End(TagEnd::Paragraph)),
        // Code is shown as plain text.
        Event::Code(text) => Some(Event::Text(text)),
        other => Some(other),
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    SANITIZER.clean(&html).to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    /// Parses the output like a browser would and checks every element, attribute and URL against the
    /// allow-list.
    fn assert_harmless(html: &str) {
        let fragment = scraper::Html::parse_fragment(html);
        for node in fragment.tree.nodes() {
            if let Some(element) = node.value().as_element() {
                let name = element.name();
                assert!(
                    ["html", "body", "p", "br", "em", "strong", "ul", "ol", "li", "a"].contains(&name),
                    "<{name}> survived in {html}"
                );
                for (attr, value) in element.attrs() {
                    match (name, attr) {
                        ("a", "href") => {
                            let lower = value.trim().to_ascii_lowercase();
                            assert!(
                                ["http://", "https://", "mailto:", "tel:"].iter().any(|s| lower.starts_with(s)),
                                "href {value} survived in {html}"
                            );
                        }
                        ("a", "rel") => assert_eq!(value, "noopener nofollow"),
                        _ => panic!("attribute {attr} on <{name}> survived in {html}"),
                    }
                }
            }
        }
        assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
    }

    #[test]
    fn renders_the_allowed_subset() {
        let html = render(
            "Hello *you* and **all**.\n\n- one\n- two\n\n1. first\n\nCall [us](tel:+49301234) or [mail](mailto:a@example.com) or [web](https://example.com/help).",
        );
        assert!(html.contains("<em>you</em>"), "{html}");
        assert!(html.contains("<strong>all</strong>"), "{html}");
        assert!(html.contains("<ul>") && html.contains("<li>one</li>"), "{html}");
        assert!(html.contains("<ol>"), "{html}");
        assert!(html.contains(r#"<a href="tel:+49301234" rel="noopener nofollow">us</a>"#), "{html}");
        assert!(html.contains(r#"href="mailto:a@example.com""#), "{html}");
        assert!(html.contains(r#"<a href="https://example.com/help" rel="noopener nofollow">web</a>"#), "{html}");
        assert_eq!(render("  \n"), "");
    }

    #[test]
    fn hard_line_breaks_survive() {
        let html = render("Service team  \nMon–Fri");
        assert!(html.contains("<br>"), "{html}");
    }

    #[test]
    fn raw_html_is_dropped() {
        for input in [
            "<script>alert(1)</script>",
            "Hi <script>alert(1)</script> there",
            "<img src=x onerror=alert(1)>",
            "text <img src=x onerror=alert(1)> more",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<div style=\"position:fixed\">overlay</div>",
            "<svg onload=alert(1)>",
            "<style>body{display:none}</style>",
            "<p onclick=\"alert(1)\">hi</p>",
            "<!-- comment --><b onmouseover=alert(1)>bold</b>",
        ] {
            let html = render(input);
            assert_harmless(&html);
        }
        assert!(render("Hi <b>there</b>").contains("there"));
    }

    #[test]
    fn dangerous_links_lose_their_target() {
        for input in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](javascript&#58;alert(1))",
            "[x](jav&#x61;script:alert(1))",
            "[x](&#106;avascript:alert(1))",
            "[x](java\\script:alert(1))",
            "[x]( javascript:alert(1))",
            "[x](<javascript:alert(1)>)",
            "[x](vbscript:msgbox(1))",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[x](data:image/svg+xml,<svg onload=alert(1)>)",
            "<javascript:alert(1)>",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "[x](/relative/path)",
            "[x](//evil.example/path)",
            "![img](https://example.com/x.png)",
            "![alt](javascript:alert(1))",
            "[x](https://example.com\" onclick=\"alert(1))",
        ] {
            let html = render(input);
            assert_harmless(&html);
            assert!(!html.contains("href=\"/"), "relative link survived in {html}");
        }
        assert!(render("![a picture](https://example.com/x.png)").contains("a picture"));
    }

    #[test]
    fn entities_and_escapes_stay_text() {
        let html = render("&lt;script&gt;alert(1)&lt;/script&gt; and `<b>code</b>` and \\<img src=x onerror=alert(1)>");
        assert_harmless(&html);
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("&lt;b&gt;code&lt;/b&gt;"), "{html}");
        let html = render("```\n<script>alert(1)</script>\n```");
        assert_harmless(&html);
        let html = render("# Heading <img src=x onerror=alert(1)>\n\n> quote <script>x</script>");
        assert_harmless(&html);
        assert!(html.contains("Heading"), "{html}");
    }

    #[test]
    fn attributes_cannot_be_smuggled() {
        let html = render("[x](https://example.com/\"onmouseover=\"alert(1) \"title\")");
        assert_harmless(&html);
        let html = render("[x](https://example.com/a b)");
        assert_harmless(&html);
        let html = render("[click](https://example.com){: onclick=alert(1)}");
        assert!(!html.contains("onclick=\""), "{html}");
    }
}
