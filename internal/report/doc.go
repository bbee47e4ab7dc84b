// Package report computes the sources report of SPEC section 8: new leads, stages reached,
// customers, cost, revenue and the ratios between them, per channel or campaign, under an
// attribution model. It is pure: the store aggregates the rows in the database and hands
// them over as Data, so everything here is table-tested without I/O.
//
// Where SPEC section 8 is silent, the report does this:
//
//   - The cohort is the contacts created in [from, to) that were not merged into another
//     one (a merged contact lives on inside the one that absorbed it, and counts there,
//     with the survivor's created_at). Each member counts once, in the group of its first
//     touch; a contact without any touch counts in channel "direct" with no campaign.
//   - A touch linked to a campaign counts in the campaign's current channel, in every
//     grouping, as the campaign's cost entries do: a campaign is one piece of marketing work
//     in one channel (SPEC section 2), so a campaign whose channel was changed, or whose
//     touches were classified or imported under another channel, keeps its leads and its
//     cost on one row. A touch without a campaign counts in its own channel. Grouping by
//     channel puts a lead in the channel of its first touch so read; grouping by campaign
//     (or by both) gives one row per campaign, labelled with its channel, and one row per
//     channel for touches without a campaign (campaign null). The roll-ups keep the touch's
//     own channel and campaign; the campaign's channel is applied as they are read, so
//     changing it moves every figure at once and nothing has to be recomputed.
//   - mqls, sqls: cohort members that ever reached the stage, in their first-touch group,
//     whatever the model. customers and revenue follow the model: under first_touch a
//     customer and all its won deals go to its first-touch group; under the other models
//     each customer is one conversion at its first won deal (or, without a won deal, when
//     it entered the customer stage), shared over its touches by attribution.Credits, so a
//     group can hold a fraction of a customer; and each won deal is shared over the touches
//     up to its own closing time with attribution.SplitMoney. The touches are those of the
//     contact and of the contacts merged into it. Revenue counts every won deal of a cohort
//     customer, whenever it closed.
//   - The lead-creating touch is the earliest touch at the contact's creation time (a
//     contact is created by the event that first names it); without one, the first touch.
//     The opportunity-creating touch is the last touch at or before the contact entered
//     the opportunity stage, since a touch and the stage change it causes share a time;
//     without one, attribution.Credits falls back to the last touch.
//   - A group that earned credit but has no new leads in the period (its leads came
//     earlier, or its touch was not the first) still has a row, with new_leads 0 and its
//     per-lead ratios null. So does a campaign that only has cost in the period.
//   - Derived money (cpl, cac, loaded_cost) is computed exactly and rounded to the minor
//     unit, half away from zero. Ratios (conversion_rate, roi, hours_per_lead) are exact
//     fractions handed out as the nearest float64, unrounded, so callers round as they
//     show them. A zero denominator gives null.
//   - loaded_cost = cost + hours × the workspace hourly rate, only when a rate is set.
//   - speed_to_lead: for each member that entered SQL, the time from entering it to its
//     first sales touch at or after that moment, and the median of those times over the
//     group. A sales touch is a call or a booked meeting, whoever recorded it, or an
//     email_sent recorded by a user (a person wrote it; automated emails are not sales
//     work); events of the contacts merged into the member count. Members still waiting
//     for a sales touch are left out; a group where none had one is null.
//   - Totals: new_leads is the cohort's size, cost all cost entries dated in the period;
//     every figure is the sum of the rows and the ratios are recomputed from the sums.
package report
