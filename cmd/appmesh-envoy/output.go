package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode JSON output: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// errorJSON is how -o json output shows an error: the library's stable error code (see
// appmeshenvoy.Code), which scripts match, next to the message, which people read. Embed
// it in a row (its keys are then the row's "code" and "error"), or use it as the value
// of a key. The zero value shows no error: both keys are omitted.
type errorJSON struct {
	// Code is the stable kebab-case error code, such as "parameter-not-found",
	// "access-denied" or "throttled".
	Code string `json:"code,omitempty"`
	// Error is the message, on one line.
	Error string `json:"error,omitempty"`
}

// newErrorJSON returns the JSON form of err; nil gives the zero value.
func newErrorJSON(err error) errorJSON {
	if err == nil {
		return errorJSON{}
	}
	return errorJSON{Code: string(appmeshenvoy.CodeOf(err)), Error: oneLine(err.Error())}
}

// errorJSONKeys documents errorJSON for a command's --help ("JSON keys (stable)"); it
// starts a line.
const errorJSONKeys = `code (the stable error code, such as parameter-not-found,
access-denied or throttled, for scripts to match) and error (the message)`

// maxCell bounds one cell of a table.
const maxCell = 1024

// table is a text table with a header row, aligned with tabwriter. Cells are cleaned for
// a terminal: control characters (escape sequences included) and invalid UTF-8 become
// '?', white space runs become one space (a tab would break the alignment), and a cell
// is at most 1 KiB; an empty cell shows as "-".
type table struct {
	header []string
	rows   [][]string
}

func newTable(header ...string) *table { return &table{header: header} }

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, r := range t.rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = quote.Text(c, maxCell)
			if cells[i] == "" {
				cells[i] = "-"
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
