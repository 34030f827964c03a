package appmeshenvoytest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
)

// writeError writes e in the protocol of svc.
func writeError(w http.ResponseWriter, svc *service, reqID string, e AWSError) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	if svc.proto == protoJSON {
		body, _ := json.Marshal(struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}{e.Code, e.Message})
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", e.Code)
		w.Header().Set("X-Amzn-RequestId", reqID)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	var buf bytes.Buffer
	buf.WriteString(`<ErrorResponse xmlns="` + svc.xmlns + `">` + "\n  <Error>\n    <Type>" + typ + "</Type>\n    <Code>")
	_ = xml.EscapeText(&buf, []byte(e.Code))
	buf.WriteString("</Code>\n    <Message>")
	_ = xml.EscapeText(&buf, []byte(e.Message))
	buf.WriteString("</Message>\n  </Error>\n  <RequestId>" + reqID + "</RequestId>\n</ErrorResponse>\n")
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-RequestId", reqID)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeResult writes a successful answer in the protocol of the call.
func writeResult(w http.ResponseWriter, svc *service, c *call, out any) {
	if svc.proto == protoJSON {
		body, err := json.Marshal(out)
		if err != nil {
			writeError(w, svc, c.requestID, InternalError(svc.name+":"+c.op))
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-RequestId", c.requestID)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
		return
	}
	var buf bytes.Buffer
	buf.WriteString(`<` + c.op + `Response xmlns="` + svc.xmlns + `">` + "\n")
	if out != nil {
		enc := xml.NewEncoder(&buf)
		enc.Indent("  ", "  ")
		if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: c.op + "Result"}}); err != nil {
			writeError(w, svc, c.requestID, InternalError(svc.name+":"+c.op))
			return
		}
		buf.WriteString("\n")
	}
	buf.WriteString("  <ResponseMetadata>\n    <RequestId>" + c.requestID + "</RequestId>\n  </ResponseMetadata>\n</" + c.op + "Response>\n")
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-RequestId", c.requestID)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// decodeJSON decodes a JSON 1.1 request body into v, answering a SerializationException
// as AWS does for a body that is not JSON.
func decodeJSON(c *call, v any) *AWSError {
	body := c.body
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &AWSError{Code: "SerializationException", Status: http.StatusBadRequest, Message: "the request body is not valid JSON for " + c.op}
	}
	return nil
}
