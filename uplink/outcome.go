package uplink

// Failure is how one record of a batch failed, as a destination classified
// it, for Outcome.
type Failure struct {
	Index int
	Code  string
	Err   error
	// Permanent: the destination will never take the record; Unreachable:
	// it could not be reached. Neither: a refusal worth retrying.
	Permanent, Unreachable bool
}

// Outcome folds the failures of a batch of n records into what Send
// returns: nil when none failed; when every record failed, the whole batch
// marked Permanent (all permanently, with one code) or Unreachable (all for
// lack of reach), as whole describes the first failure; otherwise a
// *PartialError, Permanent only when every failure is.
func Outcome(n int, failures []Failure, whole func(first error) error) error {
	if len(failures) == 0 {
		return nil
	}
	failed := make([]RecordError, len(failures))
	permanent, unreachable, sameCode := 0, 0, true
	for i, f := range failures {
		failed[i] = RecordError{Index: f.Index, Code: f.Code, Message: f.Err.Error()}
		if f.Permanent {
			permanent++
		}
		if f.Unreachable {
			unreachable++
		}
		sameCode = sameCode && f.Code == failures[0].Code
	}
	if len(failures) == n {
		switch {
		case permanent == n && sameCode:
			return Permanent(failures[0].Code, whole(failures[0].Err))
		case unreachable == n:
			return Unreachable(whole(failures[0].Err))
		}
	}
	return &PartialError{Failed: failed, Permanent: permanent == len(failures)}
}
