package auth

import "github.com/lodestone-hq/lodestone/internal/store"

// Permission is something a role may do.
type Permission int

const (
	// Read sees contacts, campaigns and reports.
	Read Permission = iota
	// WriteLeads records events, notes, stages, deals and qualifications.
	WriteLeads
	// MergeContacts merges and un-merges contacts.
	MergeContacts
	// ManageMarketing edits campaigns, costs and forms.
	ManageMarketing
	// Admin manages users, keys, settings and reads the audit log.
	Admin
)

var grants = map[string][]Permission{
	store.RoleAdmin:    {Read, WriteLeads, MergeContacts, ManageMarketing, Admin},
	store.RoleMarketer: {Read, WriteLeads, MergeContacts, ManageMarketing},
	store.RoleSales:    {Read, WriteLeads, MergeContacts},
	store.RoleAgent:    {Read, WriteLeads},
	store.RoleReadOnly: {Read},
}

// Can reports whether a role holds a permission.
func Can(role string, p Permission) bool {
	for _, g := range grants[role] {
		if g == p {
			return true
		}
	}
	return false
}
