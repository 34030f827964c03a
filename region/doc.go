// Package region is the data behind the AWS App Mesh Envoy image: the regions it is
// published in, the partition and DNS suffix of each, the registry account that owns the
// image there, and the names derived from them (registry host, repository URI and ARN, SSM
// parameter ARN, console link).
//
// The package is pure data and logic. It makes no network calls and imports no AWS SDK
// service, so it is safe to use anywhere, including in policy generators and tests.
//
// The table is static and will lag behind reality. The rest of the library treats it as the
// authority on which registry account is legitimate for a region, while the public SSM
// parameter [ParameterName] says which tag is the latest (see the appmeshenvoy package).
//
// AWS ended support for App Mesh on 2026-09-30 and says that its console and resources are
// no longer accessible; its registries and images may be removed at any time. This table
// keeps describing where the images were published, which is what task definitions and pod
// specs still name; lookups of regions without the image say why.
//
// Sources: AWS App Mesh User Guide ("Envoy image", 2020, 2023 and 2026 editions), App Mesh
// release announcements for the regions added after 2025, the AWS CDK region fact table and
// the aws-sdk-go-v2 partition data.
//
// All values returned by this package are copies; callers cannot change the table.
package region
