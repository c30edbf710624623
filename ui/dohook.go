package ui

// ReplaceDo replaces the function through which the wizard's goroutines change widgets
// (fyne.Do), so that the tests of a program that builds the wizard over its own
// Enrollment (internal/kioskui) run those changes on their own goroutine, one at a time, as
// this package's tests do (SetDo). It returns a function that restores the previous
// one. Only tests call it.
func ReplaceDo(f func(func())) (restore func()) {
	old := doFunc.Swap(&f)
	return func() { doFunc.Store(old) }
}
