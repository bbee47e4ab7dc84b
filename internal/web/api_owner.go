package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// ownerIn is the body of POST /api/v1/contacts/{id}/owner: owner_id is a user's id,
// or null to leave the contact without owner. It must be given either way.
type ownerIn struct {
	OwnerID json.RawMessage `json:"owner_id"`
	Reason  string          `json:"reason"`
}

func (s *Server) handleAssignOwner(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ownerIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	owner, err := ownerID(in.OwnerID)
	if err != nil {
		return err
	}
	if err := checkText("reason", in.Reason, 1000); err != nil {
		return err
	}
	c, err := s.store.AssignOwner(r.Context(), id, owner, strings.TrimSpace(in.Reason), principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	out, err := s.contactJSON(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ownerID reads owner_id: a positive user id, or null for none (0).
func ownerID(raw json.RawMessage) (int64, error) {
	if len(raw) == 0 {
		return 0, errs.Field("owner_id", "is required: a user id, or null to leave the contact without owner")
	}
	if string(raw) == "null" {
		return 0, nil
	}
	var id int64
	if err := json.Unmarshal(raw, &id); err != nil || id <= 0 {
		return 0, errs.Field("owner_id", "must be a user id (a positive whole number) or null")
	}
	return id, nil
}
