// Package contact holds the identity rules of a contact: email and phone normalisation,
// companies from domains, and the keys that flag possible duplicates.
//
// Everything here is pure: no I/O, no clock, no database. The store and the capture
// pipeline call these functions so that one address or one number always maps to the
// same key, whichever door it came in through.
package contact
