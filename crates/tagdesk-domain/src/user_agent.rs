//! A coarse device class from a `User-Agent` header: phone, tablet, desktop or bot. Deliberately small:
//! scan tracking only needs to keep crawlers, link previewers and scripts out of the counts and to tell
//! phones from the rest.
//!
//! Rules, in order (case-insensitive):
//! 1. **Bot**: an empty user agent; one that starts with neither `Mozilla/` nor `Opera` (every mainstream
//!    browser sends `Mozilla/5.0 …`; curl, wget, python-requests, Go, Java, okhttp, WhatsApp's and Slack's
//!    link previewers do not); one with a `+http` contact URL (the crawler convention); or one containing a
//!    known crawler, previewer, headless or automation token ([`BOT_TOKENS`], or a word ending in `bot`
//!    other than the Cubot phone brand).
//! 2. **Tablet**: iPad, Android without `Mobile`, Kindle/Silk, or `Tablet`. (iPadOS Safari presents itself
//!    as a Mac by default and is counted as desktop.)
//! 3. **Phone**: iPhone/iPod, Android with `Mobile`, Windows Phone, BlackBerry, Opera Mini, or `Mobile`.
//! 4. **Desktop**: everything else.

use crate::scan::DeviceClass;

/// Substrings (lower case) that mark a crawler, link previewer, headless browser or HTTP library even when
/// the user agent otherwise looks like a browser's.
pub const BOT_TOKENS: &[&str] = &[
    "crawl",
    "spider",
    "slurp",
    "facebookexternalhit",
    "facebot",
    "embedly",
    "preview",
    "headless",
    "phantomjs",
    "puppeteer",
    "playwright",
    "selenium",
    "webdriver",
    "lighthouse",
    "pagespeed",
    "pingdom",
    "uptimerobot",
    "statuscake",
    "monitor",
    "scrapy",
    "curl/",
    "wget/",
    "python-",
    "python/",
    "aiohttp",
    "httpx",
    "go-http-client",
    "okhttp",
    "java/",
    "libwww",
    "httpclient",
    "node-fetch",
    "axios/",
    "undici",
    "postman",
    "insomnia",
    "httpie",
    "feedfetcher",
    "mediapartners",
    "inspectiontool",
    "ia_archiver",
    "archive.org",
    "whatsapp",
    "telegram",
    "skypeuripreview",
    "yandex",
    "baiduspider",
];

/// The class of a user agent (see the module documentation for the rules).
pub fn classify(user_agent: &str) -> DeviceClass {
    let ua = user_agent.trim().to_ascii_lowercase();
    if is_bot(&ua) {
        return DeviceClass::Bot;
    }
    let android = ua.contains("android");
    let mobile = ua.contains("mobile");
    if ua.contains("ipad")
        || ua.contains("tablet")
        || ua.contains("kindle")
        || ua.contains("silk/")
        || (android && !mobile)
    {
        return DeviceClass::Tablet;
    }
    if ua.contains("iphone")
        || ua.contains("ipod")
        || ua.contains("windows phone")
        || ua.contains("blackberry")
        || ua.contains("opera mini")
        || mobile
    {
        return DeviceClass::Phone;
    }
    DeviceClass::Desktop
}

/// Rule 1 on a trimmed, lower-cased user agent.
fn is_bot(ua: &str) -> bool {
    if ua.is_empty() || !(ua.starts_with("mozilla/") || ua.starts_with("opera")) || ua.contains("+http") {
        return true;
    }
    if BOT_TOKENS.iter().any(|token| ua.contains(token)) {
        return true;
    }
    // A word ending in "bot" (Googlebot/2.1, bingbot, Twitterbot, AhrefsBot; …) but not the Cubot phones.
    ua.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| word.ends_with("bot") && word != "cubot")
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeviceClass::{Bot, Desktop, Phone, Tablet};

    #[test]
    fn phones_tablets_and_desktops_are_told_apart() {
        let cases = [
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
                Phone,
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
                Phone,
            ),
            ("Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0", Phone),
            (
                "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
                Phone,
            ),
            (
                "Mozilla/5.0 (Linux; Android 12; SAMSUNG SM-G991B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
                Phone,
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
                Tablet,
            ),
            (
                "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
                Tablet,
            ),
            ("Mozilla/5.0 (Android 13; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0", Tablet),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
                Desktop,
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
                Desktop,
            ),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0", Desktop),
            ("Opera/9.80 (J2ME/MIDP; Opera Mini/9.80 (S60; SymbOS; Opera Mobi/23.348; U; en) Presto/2.5.25", Phone),
        ];
        for (ua, class) in cases {
            assert_eq!(classify(ua), class, "{ua}");
        }
    }

    #[test]
    fn crawlers_scripts_previewers_headless_browsers_and_empty_agents_are_bots() {
        let bots = [
            "",
            "   ",
            "curl/8.5.0",
            "Wget/1.21.4",
            "python-requests/2.31.0",
            "Python-urllib/3.11",
            "Go-http-client/1.1",
            "okhttp/4.12.0",
            "Java/17.0.2",
            "WhatsApp/2.23.20.0 A",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36 (compatible; Googlebot/2.1)",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "TelegramBot (like TwitterBot)",
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko; compatible; ChatGPT-User/1.0; AhrefsBot/7.0)",
            "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) PhantomJS/2.1.1 Safari/538.1",
            "Dalvik/2.1.0 (Linux; U; Android 13; Pixel 7 Build/TQ3A.230805.001)",
            "wrk",
        ];
        for ua in bots {
            assert_eq!(classify(ua), Bot, "{ua:?}");
        }
    }
}
