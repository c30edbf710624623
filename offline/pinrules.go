package offline

// pinrules.go: the PINs a stranger tries first, refused by ValidatePIN.

import (
	"strconv"
	"sync"

	"github.com/smartselfie/kiosk-agent/internal/messages"
)

// The rules a new PIN can break (WeakPINError.Rule). Each has a sentence in English and
// French, internal/messages "pin.<rule>".
const (
	PINRuleLength     = "length"    // not 6 to 12 digits
	PINRuleDigits     = "digits"    // not only the ASCII digits 0-9
	PINRuleSame       = "same"      // 111111
	PINRuleNearSame   = "near_same" // all the same digit but one: 000001, 100000, 999998
	PINRuleSequence   = "sequence"  // digits in steps (123456, 135791, 147036, 13579x)
	PINRuleCounting   = "counting"  // numbers counted out: 246810, 102030, 101112
	PINRuleRepeat     = "repeat"    // a short group repeated: 121212, 123123
	PINRuleKeypad     = "keypad"    // lines of the keypad: 147258, 159753, 789456, 111000
	PINRulePairs      = "pairs"     // pairs in a line: 112233, 142536
	PINRuleMirror     = "mirror"    // reads the same backwards: 123321
	PINRuleDate       = "date"      // a date: DDMMYY, MMDDYY, YYMMDD (years 1940-2039)
	PINRuleCommonList = "common"    // on the list of the most used PINs
	pinRuleNone       = ""
)

// WeakPINError is a PIN refused by ValidatePIN: Rule says which rule it breaks. It is
// ErrWeakPIN.
type WeakPINError struct {
	Rule string
}

func (e *WeakPINError) Error() string { return ErrWeakPIN.Error() + ": " + e.Text(messages.English) }

// Is makes a WeakPINError match ErrWeakPIN.
func (e *WeakPINError) Is(target error) bool { return target == ErrWeakPIN }

// Text is the refusal's sentence in lang ("en", "fr").
func (e *WeakPINError) Text(lang string) string {
	return messages.Text(lang, "pin."+e.Rule, "Min", MinPINLength, "Max", MaxPINLength)
}

// keypad is where each digit sits on a phone keypad (row, column): 1 2 3 / 4 5 6 /
// 7 8 9 / _ 0 _. A calculator's keypad has the rows the other way up; its lines are
// the same lines.
var keypad = [10][2]int{{3, 1}, {0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}, {2, 0}, {2, 1}, {2, 2}}

// keypadAt is the digit at (row, col), or -1.
func keypadAt(r, c int) int {
	for d, p := range keypad {
		if p[0] == r && p[1] == c {
			return d
		}
	}
	return -1
}

// commonPINs are well-known PINs that no rule covers (the top of published lists of
// chosen PINs is all patterns the rules refuse).
var commonPINs = map[string]bool{"019283": true, "314159": true, "271828": true}

// weakPINRule returns the rule that pin (ASCII digits, 6 to 12 of them) breaks, or "".
func weakPINRule(pin string) string {
	d := make([]int, len(pin))
	for i := range pin {
		d[i] = int(pin[i] - '0')
	}
	n := len(d)
	switch {
	case allSame(d):
		return PINRuleSame
	case nearSame(d):
		return PINRuleNearSame
	case stepRun(d, n) || stepRunNoWrap(d, n-1):
		return PINRuleSequence
	case repeated(pin):
		return PINRuleRepeat
	case mirror(d):
		return PINRuleMirror
	case n%3 == 0 && keypadTriples(d):
		return PINRuleKeypad
	case n%2 == 0 && pairsInLine(d):
		return PINRulePairs
	case counting()[pin]:
		return PINRuleCounting
	case (n == 6 || n == 8) && isDate(pin):
		return PINRuleDate
	case commonPINs[pin]:
		return PINRuleCommonList
	}
	return pinRuleNone
}

func allSame(d []int) bool {
	for _, x := range d[1:] {
		if x != d[0] {
			return false
		}
	}
	return true
}

// nearSame: every digit but one is the same (000001, 100000, 200000, 999998).
func nearSame(d []int) bool {
	counts := [10]int{}
	for _, x := range d {
		counts[x]++
	}
	for _, c := range counts {
		if c == len(d)-1 {
			return true
		}
	}
	return false
}

// stepRun: the first k digits go up or down by one constant step, modulo 10 (123456,
// 890123, 135791, 147036, 975319).
func stepRun(d []int, k int) bool {
	if k > len(d) || k < 3 {
		return false
	}
	step := (d[1] - d[0] + 10) % 10
	if step == 0 {
		return false
	}
	for i := 2; i < k; i++ {
		if (d[i]-d[i-1]+10)%10 != step {
			return false
		}
	}
	return true
}

// stepRunNoWrap: k digits in a row, at the start or at the end, go up or down by one
// constant step without wrapping (13579x, x12345, 54321x).
func stepRunNoWrap(d []int, k int) bool {
	for _, s := range [][]int{d[:k], d[len(d)-k:]} {
		step := s[1] - s[0]
		ok := step != 0
		for i := 2; i < len(s) && ok; i++ {
			ok = s[i]-s[i-1] == step
		}
		if ok {
			return true
		}
	}
	return false
}

// repeated: a group of one to three digits repeated, the last time perhaps cut short
// (121212, 123123, 12312312), or a group of half the PIN or less repeated to fill it
// (12341234).
func repeated(pin string) bool {
	for p := 1; p <= len(pin)/2; p++ {
		if p > 3 && len(pin)%p != 0 {
			continue
		}
		rep := true
		for i := p; i < len(pin) && rep; i++ {
			rep = pin[i] == pin[i-p]
		}
		if rep {
			return true
		}
	}
	return false
}

// mirror: the PIN reads the same backwards (123321, 1234554321).
func mirror(d []int) bool {
	for i := 0; i < len(d)/2; i++ {
		if d[i] != d[len(d)-1-i] {
			return false
		}
	}
	return true
}

// keypadLine: three digits on one straight line of the keypad, adjacent keys, either
// way (a row, a column, a diagonal: 147, 852, 159, 753, 580), or three times one key.
func keypadLine(a, b, c int) bool {
	pa, pb, pc := keypad[a], keypad[b], keypad[c]
	dr, dc := pb[0]-pa[0], pb[1]-pa[1]
	if dr < -1 || dr > 1 || dc < -1 || dc > 1 {
		return false
	}
	return pc[0]-pb[0] == dr && pc[1]-pb[1] == dc
}

// keypadTriples: the PIN is made of keypad lines of three (147258, 789456, 123654,
// 159753, 111000).
func keypadTriples(d []int) bool {
	for i := 0; i+2 < len(d); i += 3 {
		if !keypadLine(d[i], d[i+1], d[i+2]) {
			return false
		}
	}
	return true
}

// pairsInLine: the PIN is made of pairs that all make the same move on the keypad
// (two of a key: 112233; a key and the one below: 142536), and the pairs' first keys
// follow one straight line (1, 2, 3).
func pairsInLine(d []int) bool {
	if len(d) < 6 {
		return false
	}
	mr, mc := keypad[d[1]][0]-keypad[d[0]][0], keypad[d[1]][1]-keypad[d[0]][1]
	if mr < -1 || mr > 1 || mc < -1 || mc > 1 {
		return false
	}
	var sr, sc int
	for i := 0; i+1 < len(d); i += 2 {
		if keypad[d[i+1]][0]-keypad[d[i]][0] != mr || keypad[d[i+1]][1]-keypad[d[i]][1] != mc {
			return false
		}
		if i == 0 {
			continue
		}
		r, c := keypad[d[i]][0]-keypad[d[i-2]][0], keypad[d[i]][1]-keypad[d[i-2]][1]
		if i == 2 {
			sr, sc = r, c
			if sr < -1 || sr > 1 || sc < -1 || sc > 1 || (sr == 0 && sc == 0) {
				return false
			}
		} else if r != sr || c != sc {
			return false
		}
	}
	return true
}

// isDate: a 6-digit PIN that reads as DDMMYY, MMDDYY or YYMMDD, or an 8-digit one as
// DDMMYYYY, MMDDYYYY or YYYYMMDD, of a real day (29 February in any year) of the years
// 1940 to 2039: a birthday, a wedding, a child's birth.
func isDate(pin string) bool {
	num := func(s string) int { v, _ := strconv.Atoi(s); return v }
	valid := func(day, month int) bool {
		days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
		return month >= 1 && month <= 12 && day >= 1 && day <= days[month]
	}
	if len(pin) == 6 {
		a, b, c := num(pin[0:2]), num(pin[2:4]), num(pin[4:6])
		// Two-digit years: 40-99 and 00-39 are all plausible.
		return valid(a, b) || valid(b, a) || valid(c, b)
	}
	year := func(s string) bool { y := num(s); return y >= 1940 && y <= 2039 }
	return (valid(num(pin[0:2]), num(pin[2:4])) && year(pin[4:8])) ||
		(valid(num(pin[2:4]), num(pin[0:2])) && year(pin[4:8])) ||
		(year(pin[0:4]) && valid(num(pin[6:8]), num(pin[4:6])))
}

var (
	countingOnce sync.Once
	countingSet  map[string]bool
)

// counting is the set of PINs (6 to 12 digits) that count out three numbers or more in
// a constant step, written one after the other: 246810, 102030, 101112, 5101520,
// 100908.
func counting() map[string]bool {
	countingOnce.Do(func() {
		countingSet = map[string]bool{}
		for start := 0; start <= 999; start++ {
			for step := -100; step <= 100; step++ {
				if step == 0 {
					continue
				}
				s := ""
				terms := 0
				for v := start; v >= 0 && len(s) < MaxPINLength; v += step {
					s += strconv.Itoa(v)
					terms++
					if terms >= 3 && len(s) >= MinPINLength && len(s) <= MaxPINLength {
						countingSet[s] = true
					}
				}
				// Two-digit fixed width (010203, 050403).
				if start <= 99 {
					s = ""
					for v := start; v >= 0 && v <= 99 && len(s) < MaxPINLength; v += step {
						s += strconv.Itoa(v/10) + strconv.Itoa(v%10)
						if len(s) >= MinPINLength {
							countingSet[s] = true
						}
					}
				}
			}
		}
	})
	return countingSet
}
