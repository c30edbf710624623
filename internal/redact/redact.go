// Package redact masks the secrets a URL may carry before it is printed, logged or
// served: the password of its userinfo, the values of its query (a callback URL's
// token, a signed link's signature) and its fragment. The scheme, host, port and path
// stay, so that the reader still sees where it points. It is a leaf.
//
//	redact.URL("https://cb.example/hook?token=s3cr3t&job=1") // https://cb.example/hook?job=***&token=***
package redact

import (
	"net/url"
	"strings"
)

// Mask replaces each secret.
const Mask = "***"

// URL returns raw with its userinfo's password, every query value and the fragment
// masked. A string that does not parse as a URL is masked whole after its scheme and
// host (as far as they can be told), never printed as it is.
func URL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme == "" && u.Host == "") {
		if i := strings.Index(raw, "://"); i > 0 && !strings.ContainsAny(raw[:i], "/?#@") {
			return raw[:i+3] + Mask
		}
		return Mask
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), Mask)
		} else {
			u.User = url.User(Mask) // a token given as the user name
		}
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			u.RawQuery = Mask
		} else {
			for k, vs := range q {
				for i := range vs {
					vs[i] = Mask
				}
				q[k] = vs
			}
			u.RawQuery = q.Encode()
		}
	}
	if u.Fragment != "" || u.RawFragment != "" {
		u.Fragment, u.RawFragment = Mask, ""
	}
	out := u.String()
	// url.Values.Encode escapes the mask; show it as written.
	return strings.ReplaceAll(out, url.QueryEscape(Mask), Mask)
}
