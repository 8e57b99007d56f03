// Package httpapi is the authenticated /actions HTTP API in front of the
// upgrade workflow engine (package actions): routes and the engine's domain
// errors as status codes (handler.go), bearer tokens and the
// failed-authentication limit (auth.go), strict JSON request bodies
// (body.go), and its flags, the optional own listener and main's wiring
// (setup.go). The engine knows nothing of HTTP; MQTT drives the same
// engine through Handler.Engine.
package httpapi
