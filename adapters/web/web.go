// Package web holds the pages for school-office staff and planners: plain
// HTML, CSS and JavaScript modules, embedded in the binary and served by
// the gateway under /app/. No build step, no CDN, no framework: the pages
// call the same JWT-secured API as every other client.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// Files are the pages and their assets, flat (index.html, app.js, ...).
var Files fs.FS = func() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	return sub
}()
