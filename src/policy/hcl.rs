//! A small, strict reader for the HCL v1 subset Vault policies are written in.
//!
//! Why our own and not an HCL crate: Vault parses policies with HCL **v1**
//! (`github.com/hashicorp/hcl`), while the maintained Rust crates implement HCL2, which accepts
//! syntax Vault refuses (expressions, `for`, function calls) and adds an expression engine to the
//! wasm we ship to browsers and Envoy. A policy needs only: attributes (`key = value`), blocks
//! with labels (`path "kv/*" { … }`), strings (with escapes), heredocs, numbers, booleans,
//! lists, objects and the three comment styles. This reader is ~400 lines, has no
//! dependencies and reports every error with a line, a column and the offending line.
//!
//! The output is a generic tree ([`Body`]/[`Item`]/[`Value`]) that
//! [`super::parse`] interprets as a Vault policy; JSON policies are converted into the same
//! tree, so both syntaxes share every validation rule.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// A 1-based position in the source text (column counts characters). `line == 0` means
/// "no position" (documents that came from JSON).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// A value in the tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A quoted string or heredoc.
    Str(String),
    /// A number, as written.
    Number(String),
    /// `true` / `false`.
    Bool(bool),
    /// `[ … ]`.
    List(Vec<(Pos, Value)>),
    /// `{ … }` or a block body.
    Object(Body),
}

impl Value {
    /// A short name of the value's type, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::Number(_) => "number",
            Value::Bool(_) => "bool",
            Value::List(_) => "list",
            Value::Object(_) => "object",
        }
    }
}

/// One attribute or block: `key = value`, or `key "label" … { body }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// The first key (`path`, `capabilities`, …).
    pub key: String,
    /// Block labels after the key (`"kv/*"` in `path "kv/*" { }`).
    pub labels: Vec<String>,
    /// The value (a block's body is an [`Value::Object`]).
    pub value: Value,
    /// Where the key starts.
    pub pos: Pos,
}

/// An object body: items in source order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Body {
    /// The items, in order.
    pub items: Vec<Item>,
}

/// The deepest nesting of lists and objects the reader accepts, whatever `max_depth` it is
/// given: it recurses once per level, and the smallest stack it runs on must hold the deepest
/// document. That is the interpreter's frame stack under Envoy's WAMR runtime (32 KiB), where
/// objects nested about 40 levels deep overflowed (`tests/envoy/limits-max.test.mjs` on the
/// cpp-host); a Vault policy nests three or four levels. Raised limits cannot lift it.
pub const MAX_DEPTH: usize = 24;

/// A syntax error with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where it happened.
    pub pos: Pos,
    /// What was wrong, lowercase.
    pub message: String,
    /// Whether the document nests deeper than allowed (a limit, not a syntax error).
    pub too_deep: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Number(String),
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Comma,
    Equals,
    Eof,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => alloc::format!("identifier {s:?}"),
            Tok::Str(_) => "string".to_string(),
            Tok::Number(n) => alloc::format!("number {n}"),
            Tok::LBrace => "'{'".to_string(),
            Tok::RBrace => "'}'".to_string(),
            Tok::LBracket => "'['".to_string(),
            Tok::RBracket => "']'".to_string(),
            Tok::Comma => "','".to_string(),
            Tok::Equals => "'='".to_string(),
            Tok::Eof => "end of input".to_string(),
        }
    }
}

struct Lexer<'a> {
    chars: core::iter::Peekable<core::str::Chars<'a>>,
    pos: Pos,
}

fn err<T>(pos: Pos, message: impl Into<String>) -> Result<T, SyntaxError> {
    Err(SyntaxError { pos, message: message.into(), too_deep: false })
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer { chars: src.chars().peekable(), pos: Pos { line: 1, column: 1 } }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.pos.line = self.pos.line.saturating_add(1);
            self.pos.column = 1;
        } else {
            self.pos.column = self.pos.column.saturating_add(1);
        }
        Some(c)
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    /// Skips whitespace and the three comment styles (`#`, `//`, `/* */`).
    fn skip_trivia(&mut self) -> Result<(), SyntaxError> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('#') => self.skip_line(),
                Some('/') => {
                    let start = self.pos;
                    self.bump();
                    match self.bump() {
                        Some('/') => self.skip_line(),
                        Some('*') => self.skip_block_comment(start)?,
                        _ => return err(start, "unexpected '/' (comments are '//' or '/*')"),
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn skip_line(&mut self) {
        while let Some(c) = self.bump() {
            if c == '\n' {
                break;
            }
        }
    }

    fn skip_block_comment(&mut self, start: Pos) -> Result<(), SyntaxError> {
        let mut prev = '\0';
        while let Some(c) = self.bump() {
            if prev == '*' && c == '/' {
                return Ok(());
            }
            prev = c;
        }
        err(start, "comment not terminated")
    }

    fn next(&mut self) -> Result<(Pos, Tok), SyntaxError> {
        self.skip_trivia()?;
        let pos = self.pos;
        let Some(c) = self.peek() else { return Ok((pos, Tok::Eof)) };
        let tok = match c {
            '{' => self.single(Tok::LBrace),
            '}' => self.single(Tok::RBrace),
            '[' => self.single(Tok::LBracket),
            ']' => self.single(Tok::RBracket),
            ',' => self.single(Tok::Comma),
            '=' => self.single(Tok::Equals),
            '"' => Tok::Str(self.string(pos)?),
            '<' => Tok::Str(self.heredoc(pos)?),
            c if c == '-' || c.is_ascii_digit() => Tok::Number(self.number(pos)?),
            c if c.is_alphabetic() || c == '_' => {
                let mut s = String::new();
                while let Some(c) = self.peek() {
                    if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') {
                        s.push(c);
                        self.bump();
                    } else {
                        break;
                    }
                }
                Tok::Ident(s)
            }
            other => return err(pos, alloc::format!("unexpected character {other:?}")),
        };
        Ok((pos, tok))
    }

    fn single(&mut self, t: Tok) -> Tok {
        self.bump();
        t
    }

    fn number(&mut self, pos: Pos) -> Result<String, SyntaxError> {
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E' | 'x' | 'X') {
                s.push(c);
                self.bump();
            } else {
                break;
            }
        }
        let digits = s.strip_prefix('-').unwrap_or(&s);
        if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit()) {
            return err(pos, alloc::format!("invalid number {s:?}"));
        }
        Ok(s)
    }

    fn string(&mut self, start: Pos) -> Result<String, SyntaxError> {
        self.bump(); // opening quote
        let mut out = String::new();
        loop {
            let pos = self.pos;
            match self.bump() {
                None | Some('\n') => return err(start, "literal not terminated"),
                Some('"') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('\\') => out.push('\\'),
                    Some('"') => out.push('"'),
                    Some('/') => out.push('/'),
                    Some('u') => out.push(self.unicode(pos, 4)?),
                    Some('U') => out.push(self.unicode(pos, 8)?),
                    Some(c) => return err(pos, alloc::format!("unknown escape sequence \\{c}")),
                    None => return err(start, "literal not terminated"),
                },
                Some(c) => out.push(c),
            }
        }
    }

    fn unicode(&mut self, pos: Pos, n: usize) -> Result<char, SyntaxError> {
        let mut v: u32 = 0;
        for _ in 0..n {
            let d = self.bump().and_then(|c| c.to_digit(16));
            let Some(d) = d else { return err(pos, "invalid unicode escape") };
            v = v.saturating_mul(16).saturating_add(d);
        }
        char::from_u32(v).map_or_else(|| err(pos, "invalid unicode escape"), Ok)
    }

    /// `<<EOF` … `EOF` (and `<<-EOF`, which strips the common indentation).
    fn heredoc(&mut self, start: Pos) -> Result<String, SyntaxError> {
        self.bump();
        if self.bump() != Some('<') {
            return err(start, "unexpected character '<'");
        }
        let indent = self.peek() == Some('-');
        if indent {
            self.bump();
        }
        let mut marker = String::new();
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || c == '_' {
                marker.push(c);
                self.bump();
            } else {
                break;
            }
        }
        if marker.is_empty() || self.bump() != Some('\n') {
            return err(start, "heredoc expected a marker followed by a newline");
        }
        let mut lines: Vec<String> = Vec::new();
        loop {
            let mut line = String::new();
            let mut ended = false;
            loop {
                match self.bump() {
                    None => {
                        ended = true;
                        break;
                    }
                    Some('\n') => break,
                    Some(c) => line.push(c),
                }
            }
            let trimmed = if indent { line.trim_start() } else { line.as_str() };
            if trimmed.trim_end_matches('\r') == marker {
                break;
            }
            if ended {
                return err(start, alloc::format!("heredoc not terminated (expected {marker:?})"));
            }
            lines.push(line);
        }
        if indent {
            let common = lines
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0);
            for l in &mut lines {
                let cut = l.char_indices().nth(common).map_or(l.len(), |(i, _)| i);
                *l = l.get(cut..).unwrap_or("").to_string();
            }
        }
        let mut out = lines.join("\n");
        out.push('\n');
        Ok(out)
    }
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    peeked: Option<(Pos, Tok)>,
    /// The depth the caller asked for (`limits.max_json_depth`).
    max_depth: usize,
}

impl Parser<'_> {
    /// The error for a list or object opened at `pos` one level too deep.
    fn too_deep<T>(&self, pos: Pos) -> Result<T, SyntaxError> {
        let message = if self.max_depth > MAX_DEPTH {
            alloc::format!(
                "nesting deeper than {MAX_DEPTH} levels, jwtgate's fixed cap on HCL nesting \
                 (raising limits.maxJsonDepth does not lift it)"
            )
        } else {
            alloc::format!("nesting deeper than {} levels (limits.maxJsonDepth)", self.max_depth)
        };
        Err(SyntaxError { pos, message, too_deep: true })
    }

    fn peek(&mut self) -> Result<&(Pos, Tok), SyntaxError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next()?);
        }
        match &self.peeked {
            Some(t) => Ok(t),
            None => err(self.lexer.pos, "internal lexer state"),
        }
    }

    fn next(&mut self) -> Result<(Pos, Tok), SyntaxError> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lexer.next(),
        }
    }

    fn body(&mut self, depth: usize, closing: bool) -> Result<Body, SyntaxError> {
        let mut body = Body::default();
        loop {
            let (pos, tok) = self.next()?;
            let key = match tok {
                Tok::RBrace if closing => return Ok(body),
                Tok::Eof if !closing => return Ok(body),
                Tok::Eof => {
                    return err(pos, "expected '}' to close the object, found end of input")
                }
                Tok::Comma if !body.items.is_empty() && closing => continue,
                Tok::Ident(s) | Tok::Str(s) => s,
                other => {
                    return err(pos, alloc::format!("expected a key, found {}", other.describe()))
                }
            };
            let mut labels = Vec::new();
            let value = loop {
                let (vpos, tok) = self.next()?;
                match tok {
                    Tok::Equals if labels.is_empty() => break self.value(depth)?,
                    Tok::LBrace => break Value::Object(self.nested_body(vpos, depth)?),
                    Tok::Str(s) | Tok::Ident(s) => labels.push(s),
                    other => {
                        return err(
                            vpos,
                            alloc::format!(
                                "expected '=' or '{{' after key {key:?}, found {}",
                                other.describe()
                            ),
                        )
                    }
                }
            };
            body.items.push(Item { key, labels, value, pos });
        }
    }

    fn nested_body(&mut self, pos: Pos, depth: usize) -> Result<Body, SyntaxError> {
        let Some(depth) = depth.checked_sub(1) else { return self.too_deep(pos) };
        self.body(depth, true)
    }

    fn value(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        let (pos, tok) = self.next()?;
        Ok(match tok {
            Tok::Str(s) => Value::Str(s),
            Tok::Number(n) => Value::Number(n),
            Tok::Ident(i) if i == "true" => Value::Bool(true),
            Tok::Ident(i) if i == "false" => Value::Bool(false),
            Tok::LBrace => Value::Object(self.nested_body(pos, depth)?),
            Tok::LBracket => {
                let Some(inner) = depth.checked_sub(1) else { return self.too_deep(pos) };
                let mut items = Vec::new();
                loop {
                    if matches!(self.peek()?.1, Tok::RBracket) {
                        self.next()?;
                        break;
                    }
                    let vpos = self.peek()?.0;
                    items.push((vpos, self.value(inner)?));
                    let (cpos, tok) = self.next()?;
                    match tok {
                        Tok::Comma => {}
                        Tok::RBracket => break,
                        other => {
                            return err(
                                cpos,
                                alloc::format!(
                                    "expected ',' or ']' in list, found {}",
                                    other.describe()
                                ),
                            )
                        }
                    }
                }
                Value::List(items)
            }
            other => {
                return err(pos, alloc::format!("expected a value, found {}", other.describe()))
            }
        })
    }
}

/// Parses `src` as an HCL v1 body. `max_depth` bounds nesting of objects and lists, and is
/// itself capped at [`MAX_DEPTH`].
pub fn parse(src: &str, max_depth: usize) -> Result<Body, SyntaxError> {
    let mut p = Parser { lexer: Lexer::new(src), peeked: None, max_depth };
    p.body(max_depth.min(MAX_DEPTH), false)
}

/// How many characters of the source line [`snippet`] keeps on each side of the column.
const SNIPPET_RADIUS: usize = 40;

/// The source line `line` (1-based) followed by a caret under `column`, for error messages.
/// A long line (a policy may be one 256 KiB line) is clipped to [`SNIPPET_RADIUS`] characters
/// either side of the column, with `…` where text was cut.
pub fn snippet(src: &str, pos: Pos) -> String {
    let Some(text) = src.lines().nth(pos.line.saturating_sub(1)) else { return String::new() };
    let text = text.trim_end_matches('\r');
    let col = pos.column.saturating_sub(1);
    let first = col.saturating_sub(SNIPPET_RADIUS);
    let last = col.saturating_add(SNIPPET_RADIUS);
    let mut out = String::new();
    if first > 0 {
        out.push('…');
    }
    let mut cut_after = false;
    for (i, c) in text.chars().enumerate().skip(first) {
        if i > last {
            cut_after = true;
            break;
        }
        out.push(c);
    }
    if cut_after {
        out.push('…');
    }
    out.push('\n');
    if first > 0 {
        out.push(' ');
    }
    for c in text.chars().skip(first).take(col - first) {
        out.push(if c == '\t' { '\t' } else { ' ' });
    }
    out.push('^');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_attributes_comments() {
        let src = "# c\n// c\n/* multi\nline */ name = \"x\"\npath \"kv/*\" {\n capabilities = [\"read\", \"list\",]\n}\n";
        let b = parse(src, 16).unwrap();
        assert_eq!(b.items.len(), 2);
        assert_eq!(b.items[1].labels, ["kv/*"]);
        assert_eq!(b.items[1].pos, Pos { line: 5, column: 1 });
    }

    #[test]
    fn errors_have_positions_and_snippets() {
        let src = "path \"a\" {\n  capabilities = [\"read\" \"list\"]\n}";
        let e = parse(src, 16).unwrap_err();
        assert_eq!(e.pos, Pos { line: 2, column: 26 });
        assert_eq!(
            snippet(src, e.pos),
            "  capabilities = [\"read\" \"list\"]\n                         ^"
        );
    }

    #[test]
    fn long_lines_are_clipped_around_the_column() {
        let src = alloc::format!("x = [{}\"a\" \"b\"{}]", "\"a\",".repeat(100), " ".repeat(5000));
        let e = parse(&src, 16).unwrap_err();
        assert_eq!(e.pos, Pos { line: 1, column: 410 });
        let s = snippet(&src, e.pos);
        let (line, caret) = s.split_once('\n').unwrap();
        assert_eq!(line, alloc::format!("…{}\"a\" \"b\"{}…", "\"a\",".repeat(9), " ".repeat(38)));
        // The caret sits under the offending `"b"`, counted in characters.
        let at = caret.chars().count() - 1;
        assert_eq!(caret.chars().last(), Some('^'));
        assert_eq!(line.chars().nth(at), Some('"'));
        assert_eq!(line.chars().skip(at).take(3).collect::<String>(), "\"b\"");
        // A short line is shown whole.
        assert_eq!(snippet("ab\tc", Pos { line: 1, column: 4 }), "ab\tc\n  \t^");
    }

    #[test]
    fn heredoc_and_depth() {
        let b = parse("comment = <<EOF\nhello\nEOF\n", 16).unwrap();
        assert_eq!(b.items[0].value, Value::Str("hello\n".into()));
        let deep = "a = ".to_string() + &"[".repeat(50) + &"]".repeat(50);
        let e = parse(&deep, 16).unwrap_err();
        assert!(e.too_deep);
        assert_eq!(e.message, "nesting deeper than 16 levels (limits.maxJsonDepth)");
        assert_eq!(e.pos, Pos { line: 1, column: 21 });
        // Raised limits do not lift the fixed cap.
        let deep = "a = ".to_string() + &"[".repeat(20_000);
        let e = parse(&deep, usize::MAX).unwrap_err();
        assert!(e.too_deep);
        assert_eq!(e.pos, Pos { line: 1, column: 5 + MAX_DEPTH });
        assert!(e.message.contains("fixed cap"), "{}", e.message);
        let at = "a = ".to_string() + &"[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&at, usize::MAX).is_ok());
    }
}
