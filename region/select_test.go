package region

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

func TestSelect(t *testing.T) {
	aws, _ := InPartition(PartitionAWS)
	china, _ := InPartition(PartitionChina)
	tests := []struct {
		name string
		sel  Selection
		want []string
		err  error
	}{
		{"codes normalized, deduplicated, in order", Selection{Codes: []string{" EU-West-1", "us-west-2", "eu-west-1 "}}, []string{"eu-west-1", "us-west-2"}, nil},
		{"default", Selection{Default: "us-east-1"}, []string{"us-east-1"}, nil},
		{"codes win over default", Selection{Codes: []string{"us-east-2"}, Default: "us-east-1"}, []string{"us-east-2"}, nil},
		{"all of aws by default", Selection{All: true}, Codes(aws), nil},
		{"all of the default's partition", Selection{All: true, Default: "cn-north-1"}, Codes(china), nil},
		{"all of the codes' partition", Selection{All: true, Codes: []string{"cn-northwest-1"}}, Codes(china), nil},
		{"all of the named partition", Selection{All: true, Partition: "aws-cn", Default: "us-west-2"}, Codes(china), nil},
		{"nothing", Selection{}, nil, ErrNoRegion},
		{"blank default", Selection{Default: "  "}, nil, ErrNoRegion},
		{"unsupported code", Selection{Codes: []string{"us-wset-2"}}, nil, ErrUnsupported},
		{"unsupported default", Selection{Default: "ap-east-2"}, nil, ErrUnsupported},
		{"mixed codes", Selection{Codes: []string{"us-west-2", "cn-north-1"}}, nil, ErrMixedPartitions},
		{"code outside partition", Selection{Codes: []string{"us-west-2"}, Partition: "aws-cn"}, nil, ErrMixedPartitions},
		{"all with a code outside partition", Selection{All: true, Codes: []string{"us-west-2"}, Partition: "aws-cn"}, nil, ErrMixedPartitions},
		{"unknown partition", Selection{All: true, Partition: "aws-mars"}, nil, ErrUnsupported},
		{"partition without image", Selection{All: true, Partition: "aws-us-gov"}, nil, ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Select(tt.sel)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				if errcode.Of(err) == errcode.Unknown {
					t.Errorf("error %v carries no code", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, Codes(got)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
