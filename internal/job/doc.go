// Package job is the vocabulary of one enrollment as the compare API takes it
// (docs/compare-api.md): the Job that capture fills, offline seals, sync/uploader claims
// and sync/compare sends; its comparison image types, liveness limits, reserved partner
// params, id rules and job-id generator; the Prechecks summary the kiosk records; and one
// Validate. It imports only the standard library, so every part can use it.
//
// Validate reports every problem at once in an *Error (errors.Is ErrInvalid); each
// Problem has a stable Code for a UI to translate and an English Message that says what
// to do. Validate is for sealing: a job may lack a callback URL, which the sender fills
// from the configuration; ValidateSend also requires one, as the API does.
//
// The job id rule (1 to 128 letters, digits, '.', '_', ':' or '-') is the kiosk's
// decision over the API's "a string unique per partner": ids travel in logs, command
// lines and the queue's keys. NewID makes ids that satisfy it.
//
// Job.Training marks a practice job sealed by a kiosk in training mode; internal/app
// never lets one reach an API URL that is not loopback.
//
// Job's JSON field names are those the offline queue seals: changing one breaks the
// loading of jobs sealed before (offline tests a queue sealed by older code).
package job
