package awsjson

import (
	"fmt"
	"net/http"
	"runtime/debug"
)

// Operation is one operation of a Service, made by Unary or Stream.
type Operation struct {
	// run decodes and runs the operation and answers; it returns the error
	// type sent, "" on success.
	run func(s *Service, w http.ResponseWriter, r *http.Request, c Codec, name string, body []byte) string
}

// Unary is an operation with one answer: fn gets the request (for its
// context and headers) and the decoded input, and returns the output to
// encode or an error to render (see Service.ErrorFor).
func Unary[In, Out any](fn func(r *http.Request, in *In) (*Out, error)) Operation {
	return Operation{run: func(s *Service, w http.ResponseWriter, r *http.Request, c Codec, name string, body []byte) string {
		var out *Out
		err := s.contain(func() error {
			in := new(In)
			if err := c.Unmarshal(body, in); err != nil {
				return decodeError(err)
			}
			var err error
			out, err = fn(r, in)
			return err
		})
		if err != nil {
			return s.fail(w, c, name, err)
		}
		return s.writeOutput(w, c, name, out)
	}}
}

// Stream is an operation that writes its own answer, such as an event
// stream. An error fn returns before it wrote anything is rendered as a
// unary operation's; once it has written, fn reports failures in its own
// stream, and an error it still returns is only logged.
func Stream[In any](fn func(w http.ResponseWriter, r *http.Request, c Codec, in *In) error) Operation {
	return Operation{run: func(s *Service, w http.ResponseWriter, r *http.Request, c Codec, name string, body []byte) string {
		sw := &startedWriter{ResponseWriter: w}
		err := s.contain(func() error {
			in := new(In)
			if err := c.Unmarshal(body, in); err != nil {
				return decodeError(err)
			}
			return fn(sw, r, c, in)
		})
		switch {
		case err == nil:
			return ""
		case !sw.started:
			return s.fail(w, c, name, err)
		}
		e := s.ErrorFor(err)
		s.logFailure(name, e, err)
		if _, ok := err.(panicked); ok {
			// Half an answer is on the wire: only closing the
			// connection tells the client it is broken.
			panic(http.ErrAbortHandler)
		}
		return e.Type
	}}
}

// panicked is a panic in an operation, with its stack: an InternalFailure
// for the client, an error in the log.
type panicked struct{ error }

// contain runs fn, turning a panic into an error: a bug costs one request
// an InternalFailure, not the process or the client its connection.
func (s *Service) contain(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicked{fmt.Errorf("%s: panic: %v\n%s", s.Name, p, debug.Stack())}
		}
	}()
	return fn()
}

// startedWriter tells whether a streaming operation has begun its answer.
// Unwrap lets http.ResponseController reach the connection beneath.
type startedWriter struct {
	http.ResponseWriter
	started bool
}

func (w *startedWriter) WriteHeader(code int) {
	w.started = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *startedWriter) Write(b []byte) (int, error) {
	w.started = true
	return w.ResponseWriter.Write(b)
}

func (w *startedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
