// Package enrich derives what a contact did not type from what they did: seniority
// and department from the job title, the kind of email address, the phone number's
// region and line type, company data from a local list or an HTTP provider, and
// country and city from the IP address when a MaxMind-format database is configured.
// The classification is pure and table-tested; the provider and the database reader
// are the only parts that do I/O.
package enrich
