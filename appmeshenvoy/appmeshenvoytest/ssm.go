package appmeshenvoytest

import (
	"net/http"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

var ssmOps = map[string]handlerFunc{
	"GetParameter":  (*Server).ssmGetParameter,
	"GetParameters": (*Server).ssmGetParameters,
}

type ssmParameter struct {
	ARN              string  `json:"ARN"`
	DataType         string  `json:"DataType"`
	LastModifiedDate float64 `json:"LastModifiedDate"`
	Name             string  `json:"Name"`
	Type             string  `json:"Type"`
	Value            string  `json:"Value"`
	Version          int64   `json:"Version"`
}

// parameterARN returns the ARN of the public parameter in regionCode.
func parameterARN(regionCode string) string {
	p, ok := region.PartitionOf(regionCode)
	id := region.PartitionAWS
	if ok {
		id = p.ID
	}
	return arn.ARN{Partition: id, Service: "ssm", Region: regionCode, Resource: "parameter" + region.ParameterName}.String()
}

// lookupParameter finds the parameter called name (its name or ARN) in c's region.
func (s *Server) lookupParameter(c *call, name string) (ssmParameter, bool) {
	if name != region.ParameterName && name != parameterARN(c.region) {
		return ssmParameter{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.regions[c.region]
	if rs == nil || rs.param == nil {
		return ssmParameter{}, false
	}
	return ssmParameter{
		ARN:              parameterARN(c.region),
		DataType:         "text",
		LastModifiedDate: float64(rs.param.modified.Unix()),
		Name:             name,
		Type:             "String",
		Value:            rs.param.value,
		Version:          rs.param.version,
	}, true
}

func validation(msg string) *AWSError {
	return &AWSError{Code: "ValidationException", Status: http.StatusBadRequest, Message: msg}
}

func (s *Server) ssmGetParameter(c *call) (any, *AWSError) {
	var in struct {
		Name           *string
		WithDecryption bool
	}
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	if in.Name == nil || *in.Name == "" {
		return nil, validation("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	}
	c.resources = []string{parameterResource(c, *in.Name)}
	p, ok := s.lookupParameter(c, *in.Name)
	if !ok {
		return nil, &AWSError{Code: "ParameterNotFound", Status: http.StatusBadRequest, Message: "Parameter " + *in.Name + " not found."}
	}
	return struct {
		Parameter ssmParameter `json:"Parameter"`
	}{p}, nil
}

func (s *Server) ssmGetParameters(c *call) (any, *AWSError) {
	var in struct {
		Names          []string
		WithDecryption bool
	}
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	if len(in.Names) == 0 || len(in.Names) > 10 {
		return nil, validation("1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and 10")
	}
	out := struct {
		Parameters        []ssmParameter `json:"Parameters"`
		InvalidParameters []string       `json:"InvalidParameters"`
	}{Parameters: []ssmParameter{}, InvalidParameters: []string{}}
	for _, n := range in.Names {
		c.resources = append(c.resources, parameterResource(c, n))
		if p, ok := s.lookupParameter(c, n); ok {
			out.Parameters = append(out.Parameters, p)
		} else {
			out.InvalidParameters = append(out.InvalidParameters, n)
		}
	}
	return out, nil
}
