// Package parser reads Tidegate's SQL into the tree of package ast: a hand-written
// recursive-descent parser over package lexer, with precedence climbing for expressions and
// a lookahead of at most three tokens.
//
// Parse reads a script (statements separated by ';'), ParseStatement exactly one statement,
// ParseExpr one expression. Every error is an *Error: a message saying what was expected and
// what was found ("expected FROM after the select list, found 'FORM'") at the line and
// column of the offending token, relative to the text given; Pos.Excerpt renders that line
// with a caret under the spot. Nesting is bounded (maxDepth) so that no input can exhaust
// the stack, and no input panics the parser (FuzzParse).
//
// The grammar, as implemented (docs/sql.md has it with examples; [x] is optional, {x} is
// zero or more, keywords are case-insensitive, words in quotes are reserved):
//
//	script      = [statement] {";" [statement]} .
//	statement   = select | createStream | createTable | createQuery | drop .
//	createStream= "CREATE" STREAM name [columns] ["WITH" options] .
//	createTable = "CREATE" TABLE name [columns] ["WITH" options] .
//	columns     = "(" name type {"," name type} ")" .
//	type        = STRING | VARCHAR | DOUBLE | FLOAT | REAL | BIGINT | INT | INTEGER
//	            | BOOLEAN | BOOL | TIMESTAMP | JSON .
//	options     = "(" name "=" literal {"," name "=" literal} ")" .
//	createQuery = "CREATE" QUERY name "AS" "INSERT" "INTO" name select .
//	drop        = "DROP" (STREAM | TABLE | QUERY) name .
//	select      = "SELECT" item {"," item} "FROM" from ["WHERE" expr]
//	              ["GROUP" "BY" groupItem {"," groupItem}] ["HAVING" expr]
//	              ["ORDER" "BY" expr [ASC | DESC] {"," expr [ASC | DESC]}]
//	              ["LIMIT" integer] {emit} .
//	item        = "*" | name "." "*" | expr [["AS"] name] .
//	from        = source {[("INNER" | "LEFT" ["OUTER"])] "JOIN" source "ON" expr} .
//	source      = name [["AS"] name] [SINCE string] .
//	groupItem   = window | expr .
//	window      = (TUMBLE | TUMBLING) "(" [expr ","] interval ")"
//	            | (HOP | HOPPING) "(" [expr ","] interval "," interval ")"
//	            | (SLIDE | SLIDING) "(" [expr ","] (interval | ROWS integer) ")"
//	            | SESSION "(" [expr ","] interval ["," interval] ")"
//	            | COUNTWINDOW "(" integer ["," integer] ")" .
//	emit        = "EMIT" ("ON" WINDOW CLOSE | "ON" UPDATE | EVERY interval | LATE "INTO" name) .
//	expr        = precedence climbing over, loosest first:
//	              OR; AND; NOT; = <> != < <= > >= IS [NOT] NULL, [NOT] IN (expr, …),
//	              [NOT] BETWEEN e AND e, [NOT] LIKE e [ESCAPE e]; ||; + -; * / %;
//	              unary -; postfix .name [expr] ::type; primary .
//	primary     = number | string | "TRUE" | "FALSE" | "NULL" | interval | TIMESTAMP string
//	            | name | name "(" ["DISTINCT"] [expr {"," expr}] ")" | name "(" "*" ")"
//	            | "CASE" [expr] "WHEN" expr "THEN" expr {"WHEN" expr "THEN" expr}
//	              ["ELSE" expr] "END"
//	            | "CAST" "(" expr "AS" type ")" | "(" expr ")" .
//	interval    = "INTERVAL" string [unit] .
//	unit        = MILLISECOND | SECOND | MINUTE | HOUR | DAY (or the plural) .
//	literal     = string | ["-"] number | "TRUE" | "FALSE" | interval | TIMESTAMP string .
//
// Two readings are decided by lookahead. A select item or source followed by a bare name
// takes it as an alias, but two names in a row ("device FORM readings") are reported as a
// misspelt keyword. In GROUP BY, a window name followed by "(" is a window; elsewhere a
// window name called like a function is an error, so that a window can never hide in an
// expression.
package parser
