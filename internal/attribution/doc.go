// Package attribution classifies where a touch came from and shares the credit of a conversion among touches.
//
// Everything here is a pure function of its arguments: no clock, no storage, no logging.
// The capture pipeline calls it for every web touch and the reports call it for every
// conversion, so it has to be cheap, deterministic and impossible to crash with odd input.
package attribution
