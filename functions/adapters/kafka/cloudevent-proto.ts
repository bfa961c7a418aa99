import protobuf from 'protobufjs';

/**
 * The CloudEvents protobuf format (cloudevents/spec, cloudevents/formats/cloudevents.proto), as
 * shipped in ./cloudevent.proto for producers to compile. The text is embedded here because a
 * Lambda bundle carries no files beside the code: esbuild inlines this string, and a unit test
 * keeps it identical to the .proto file.
 */
export const CLOUDEVENT_PROTO = String.raw`/**
 * CloudEvent Protobuf Format
 *
 * - Required context attributes are explicitly represented.
 * - Optional and Extension context attributes are carried in a map structure.
 * - Data may be represented as binary, text, or protobuf messages.
 */

syntax = "proto3";

package io.cloudevents.v1;

import "google/protobuf/any.proto";
import "google/protobuf/timestamp.proto";

option csharp_namespace = "CloudNative.CloudEvents.V1";
option go_package = "cloudevents.io/genproto/v1";
option java_package = "io.cloudevents.v1.proto";
option java_multiple_files = true;
option php_namespace = "Io\\CloudEvents\\V1\\Proto";
option ruby_package = "Io::CloudEvents::V1::Proto";

message CloudEvent {

  // -- CloudEvent Context Attributes

  // Required Attributes
  string id = 1;
  string source = 2; // URI-reference
  string spec_version = 3;
  string type = 4;

  // Optional & Extension Attributes
  map<string, CloudEventAttributeValue> attributes = 5;

  // -- CloudEvent Data (Bytes, Text, or Proto)
  oneof  data {
    bytes binary_data = 6;
    string text_data = 7;
    google.protobuf.Any proto_data = 8;
  }

  /**
   * The CloudEvent specification defines
   * seven attribute value types...
   */

  message CloudEventAttributeValue {

    oneof attr {
      bool ce_boolean = 1;
      int32 ce_integer = 2;
      string ce_string = 3;
      bytes ce_bytes = 4;
      string ce_uri = 5;
      string ce_uri_ref = 6;
      google.protobuf.Timestamp ce_timestamp = 7;
    }
  }
}

/**
 * CloudEvent Protobuf Batch Format
 *
 */

message CloudEventBatch {
  repeated CloudEvent events = 1;
}
`;

/** The message type name in CLOUDEVENT_PROTO. */
export const CLOUDEVENT_TYPE_NAME = 'io.cloudevents.v1.CloudEvent';

let cloudEventType: protobuf.Type | undefined;

/**
 * The `io.cloudevents.v1.CloudEvent` type, parsed once per process with protobufjs. Field names
 * keep the .proto's snake case (`spec_version`, `text_data`). The two well-known types it imports
 * come from protobufjs' bundled copies (`protobuf.common`), not from disk.
 */
export function cloudEventProtoType(): protobuf.Type {
  if (cloudEventType === undefined) {
    const root = new protobuf.Root();
    for (const name of ['google/protobuf/any.proto', 'google/protobuf/timestamp.proto']) {
      const common = protobuf.common.get(name);
      if (common?.nested === undefined) throw new Error(`protobufjs has no bundled ${name}`);
      root.addJSON(common.nested);
    }
    protobuf.parse(CLOUDEVENT_PROTO, root, { keepCase: true });
    root.resolveAll();
    cloudEventType = root.lookupType(CLOUDEVENT_TYPE_NAME);
  }
  return cloudEventType;
}
