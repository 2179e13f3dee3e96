//! Transliteration of non-ASCII letters to ASCII for file names and ids: German umlauts as `ae oe ue ss`,
//! Latin letters with diacritics to their base letter (Polish, Turkish, Czech, French, Nordic…), Greek and
//! Cyrillic letters by common romanisation. Anything else has no ASCII form here.

/// Appends the ASCII spelling of `c` to `out` and returns `true` for ASCII itself and the letters this
/// module knows; returns `false` (appending nothing) otherwise. Case is kept (`Ä` → `Ae`).
pub(crate) fn ascii_fold(c: char, out: &mut String) -> bool {
    if c.is_ascii() {
        out.push(c);
        return true;
    }
    match letter(c) {
        Some(folded) => {
            out.push_str(folded);
            true
        }
        None => false,
    }
}

/// The ASCII spelling of a non-ASCII letter.
fn letter(c: char) -> Option<&'static str> {
    let folded = match c {
        'ä' | 'æ' => "ae",
        'Ä' | 'Æ' => "Ae",
        'ö' | 'ø' | 'œ' => "oe",
        'Ö' | 'Ø' | 'Œ' => "Oe",
        'ü' => "ue",
        'Ü' => "Ue",
        'ß' => "ss",
        'ẞ' => "SS",
        'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "C",
        'ď' | 'đ' | 'ð' => "d",
        'Ď' | 'Đ' | 'Ð' => "D",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => "E",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "G",
        'ĥ' | 'ħ' => "h",
        'Ĥ' | 'Ħ' => "H",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' => "I",
        'ĵ' => "j",
        'Ĵ' => "J",
        'ķ' => "k",
        'Ķ' => "K",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => "L",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'Ñ' | 'Ń' | 'Ņ' | 'Ň' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ō' | 'ŏ' | 'ő' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ō' | 'Ŏ' | 'Ő' => "O",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'Ŕ' | 'Ŗ' | 'Ř' => "R",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'Ś' | 'Ŝ' | 'Ş' | 'Š' | 'Ș' => "S",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'Ţ' | 'Ť' | 'Ŧ' | 'Ț' => "T",
        'þ' => "th",
        'Þ' => "Th",
        'ù' | 'ú' | 'û' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => "U",
        'ŵ' => "w",
        'Ŵ' => "W",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'Ý' | 'Ÿ' | 'Ŷ' => "Y",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        _ => return greek(c).or_else(|| cyrillic(c)),
    };
    Some(folded)
}

/// Greek letters (ELOT 743 style, accents dropped).
fn greek(c: char) -> Option<&'static str> {
    Some(match c {
        'α' | 'ά' => "a",
        'Α' | 'Ά' => "A",
        'β' => "v",
        'Β' => "V",
        'γ' => "g",
        'Γ' => "G",
        'δ' => "d",
        'Δ' => "D",
        'ε' | 'έ' => "e",
        'Ε' | 'Έ' => "E",
        'ζ' => "z",
        'Ζ' => "Z",
        'η' | 'ή' => "i",
        'Η' | 'Ή' => "I",
        'θ' => "th",
        'Θ' => "Th",
        'ι' | 'ί' | 'ϊ' | 'ΐ' => "i",
        'Ι' | 'Ί' | 'Ϊ' => "I",
        'κ' => "k",
        'Κ' => "K",
        'λ' => "l",
        'Λ' => "L",
        'μ' => "m",
        'Μ' => "M",
        'ν' => "n",
        'Ν' => "N",
        'ξ' => "x",
        'Ξ' => "X",
        'ο' | 'ό' => "o",
        'Ο' | 'Ό' => "O",
        'π' => "p",
        'Π' => "P",
        'ρ' => "r",
        'Ρ' => "R",
        'σ' | 'ς' => "s",
        'Σ' => "S",
        'τ' => "t",
        'Τ' => "T",
        'υ' | 'ύ' | 'ϋ' | 'ΰ' => "y",
        'Υ' | 'Ύ' | 'Ϋ' => "Y",
        'φ' => "f",
        'Φ' => "F",
        'χ' => "ch",
        'Χ' => "Ch",
        'ψ' => "ps",
        'Ψ' => "Ps",
        'ω' | 'ώ' => "o",
        'Ω' | 'Ώ' => "O",
        _ => return None,
    })
}

/// Russian, Ukrainian and Bulgarian Cyrillic letters (a simple scientific-style romanisation; hard and
/// soft signs dropped).
fn cyrillic(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'А' => "A",
        'б' => "b",
        'Б' => "B",
        'в' => "v",
        'В' => "V",
        'г' | 'ґ' => "g",
        'Г' | 'Ґ' => "G",
        'д' => "d",
        'Д' => "D",
        'е' | 'ё' | 'є' => "e",
        'Е' | 'Ё' | 'Є' => "E",
        'ж' => "zh",
        'Ж' => "Zh",
        'з' => "z",
        'З' => "Z",
        'и' | 'і' | 'ї' | 'й' => "i",
        'И' | 'І' | 'Ї' | 'Й' => "I",
        'к' => "k",
        'К' => "K",
        'л' => "l",
        'Л' => "L",
        'м' => "m",
        'М' => "M",
        'н' => "n",
        'Н' => "N",
        'о' => "o",
        'О' => "O",
        'п' => "p",
        'П' => "P",
        'р' => "r",
        'Р' => "R",
        'с' => "s",
        'С' => "S",
        'т' => "t",
        'Т' => "T",
        'у' => "u",
        'У' => "U",
        'ф' => "f",
        'Ф' => "F",
        'х' => "kh",
        'Х' => "Kh",
        'ц' => "ts",
        'Ц' => "Ts",
        'ч' => "ch",
        'Ч' => "Ch",
        'ш' => "sh",
        'Ш' => "Sh",
        'щ' => "shch",
        'Щ' => "Shch",
        'ы' => "y",
        'Ы' => "Y",
        'э' => "e",
        'Э' => "E",
        'ю' => "yu",
        'Ю' => "Yu",
        'я' => "ya",
        'Я' => "Ya",
        'ъ' | 'Ъ' | 'ь' | 'Ь' => "",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            if !ascii_fold(c, &mut out) {
                out.push('?');
            }
        }
        out
    }

    #[test]
    fn folds_the_common_european_letters() {
        assert_eq!(fold("Kühlschrank Größe"), "Kuehlschrank Groesse");
        assert_eq!(fold("Łódź Świętokrzyska"), "Lodz Swietokrzyska");
        assert_eq!(fold("İstanbul Şişli Ağaç"), "Istanbul Sisli Agac");
        assert_eq!(fold("Café Crème"), "Cafe Creme");
        assert_eq!(fold("Εκτυπωτής"), "Ektypotis");
        assert_eq!(fold("Принтер"), "Printer");
        assert_eq!(fold("打印机"), "???");
        assert_eq!(fold("a\"b~"), "a\"b~");
    }
}
