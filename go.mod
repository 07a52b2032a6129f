module github.com/picosrs/picosrs

go 1.24
