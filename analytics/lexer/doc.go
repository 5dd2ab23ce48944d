// Package lexer turns the text of a Tidegate SQL statement into tokens, each carrying its
// position (byte offset, line, column), so that every later error — the parser's, the
// planner's — can point at the spot with a caret.
//
// It is the one place that knows the lexical rules: what an identifier is, which words are
// reserved, how strings and quoted identifiers escape their quotes. The printer in package ast
// asks it (QuoteIdent, QuoteString) how to write a name or a string so that it lexes back to
// the same token.
//
// Lexical rules:
//   - Whitespace is ASCII space, tab, newline, carriage return, form feed and vertical tab. A
//     line ends at '\n'; columns count characters (runes), not bytes.
//   - Comments: "--" to the end of the line, and "/* … */" (not nested).
//   - Identifiers: a letter or '_', then letters, digits or '_' (Unicode letters and digits
//     count). Case is kept: identifiers are case-sensitive, since they name JSON fields.
//     "x" and `x` are quoted identifiers; a doubled quote inside stands for one.
//   - Keywords are case-insensitive. The reserved ones (Reserved) cannot be used as bare
//     identifiers; the others (STREAM, SINCE, ROWS, TIMESTAMP, type and unit names, …) are
//     ordinary identifiers that the parser recognizes by position.
//   - Numbers: 42, 3.14, .5, 1e6, 2.5E-3. No sign: the parser reads a leading '-'. A number
//     running into a letter ("5x", "1e") is an error.
//   - Strings: in single quotes; a quote inside is written twice. They may span lines.
//   - Operators: + - * / % || = <> != < <= > >= :: and ( ) [ ] , ; .
//   - The text must be valid UTF-8.
//
// Bad input yields an *Error with the position of the offending character; the lexer never
// panics.
package lexer
