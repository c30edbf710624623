package ui

// SetDo replaces the function through which the wizard's goroutines change widgets
// (fyne.Do), so that a test runs those changes on its own goroutine, one at a time.
// It returns a function that restores fyne.Do.
func SetDo(f func(func())) (restore func()) {
	old := doFunc.Swap(&f)
	return func() { doFunc.Store(old) }
}

// OperatorError is operatorError, for the tests.
func OperatorError(err error) string { return operatorError(err) }
