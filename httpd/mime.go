package httpd

import "strings"

// mimeTypes is SRS's MIME table (SrsHttpFileServer, srs_protocol_http_stack.cpp),
// with .mpd as application/dash+xml.
var mimeTypes = map[string]string{
	".ts":   "video/MP2T",
	".flv":  "video/x-flv",
	".m4v":  "video/x-m4v",
	".3gpp": "video/3gpp",
	".3gp":  "video/3gpp",
	".mp4":  "video/mp4",
	".mp4v": "video/mp4",
	".aac":  "audio/x-aac",
	".mp3":  "audio/mpeg",
	".m4a":  "audio/x-m4a",
	".ogg":  "audio/ogg",
	".m3u8": "application/vnd.apple.mpegurl",
	".rss":  "application/rss+xml",
	".json": "application/json",
	".swf":  "application/x-shockwave-flash",
	".doc":  "application/msword",
	".zip":  "application/zip",
	".rar":  "application/x-rar-compressed",
	".xml":  "text/xml",
	".html": "text/html",
	".js":   "text/javascript",
	".css":  "text/css",
	".ico":  "image/x-icon",
	".png":  "image/png",
	".jpeg": "image/jpeg",
	".jpg":  "image/jpeg",
	".gif":  "image/gif",
	".mpd":  "application/dash+xml",
	".m4s":  "video/iso.segment",
}

// mimeType returns the Content-Type for a file extension (with its dot, any
// case); unknown extensions are application/octet-stream.
func mimeType(ext string) string {
	if t, ok := mimeTypes[strings.ToLower(ext)]; ok {
		return t
	}
	return "application/octet-stream"
}
