package lexer

// Kind is the class of a token.
type Kind uint8

// The token kinds. Ident covers every word that is not reserved, contextual keywords
// included; Keyword is a reserved word.
const (
	EOF         Kind = iota
	Illegal          // returned with an error; the lexer stops there
	Ident            // a bare identifier or a non-reserved keyword; Text as written
	QuotedIdent      // "x" or `x`; Text without the quotes, doubled quotes undone
	Keyword          // a reserved word; Text in upper case
	String           // 'x'; Text without the quotes, doubled quotes undone
	Number           // Text as written
	Comma            // ,
	Semicolon        // ;
	LParen           // (
	RParen           // )
	LBracket         // [
	RBracket         // ]
	Dot              // .
	Plus             // +
	Minus            // -
	Star             // *
	Slash            // /
	Percent          // %
	Concat           // ||
	Eq               // =
	Ne               // <> or !=
	Lt               // <
	Le               // <=
	Gt               // >
	Ge               // >=
	DoubleColon      // ::
)

// String names the kind as an error message would: "identifier", "','".
func (k Kind) String() string {
	switch k {
	case EOF:
		return "end of input"
	case Illegal:
		return "illegal token"
	case Ident:
		return "identifier"
	case QuotedIdent:
		return "quoted identifier"
	case Keyword:
		return "keyword"
	case String:
		return "string"
	case Number:
		return "number"
	}
	if op := k.operator(); op != "" {
		return "'" + op + "'"
	}
	return "unknown token"
}

// operator is the canonical spelling of a punctuation or operator kind, "" for the others.
func (k Kind) operator() string {
	switch k {
	case Comma:
		return ","
	case Semicolon:
		return ";"
	case LParen:
		return "("
	case RParen:
		return ")"
	case LBracket:
		return "["
	case RBracket:
		return "]"
	case Dot:
		return "."
	case Plus:
		return "+"
	case Minus:
		return "-"
	case Star:
		return "*"
	case Slash:
		return "/"
	case Percent:
		return "%"
	case Concat:
		return "||"
	case Eq:
		return "="
	case Ne:
		return "<>"
	case Lt:
		return "<"
	case Le:
		return "<="
	case Gt:
		return ">"
	case Ge:
		return ">="
	case DoubleColon:
		return "::"
	}
	return ""
}

// Token is one lexical element. End is the byte offset just past it, so that
// src[Pos.Offset:End] is the token as written. The EOF token sits just after the last
// token (not after trailing blanks), where a caret reads best.
type Token struct {
	Kind Kind
	Text string
	Pos  Pos
	End  int
}
