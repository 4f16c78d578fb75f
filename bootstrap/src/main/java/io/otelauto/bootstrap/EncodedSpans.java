package io.otelauto.bootstrap;

import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;

/**
 * A run of ended spans already in their OTLP form, all of one resource and one scope: their
 * {@code ScopeSpans.spans} entries back to back ({@link OtlpTraceEncoder#addSpanEntry}), which the request
 * copies as they are ({@link OtlpTraceEncoder#encodeRuns}). What {@link EncodedBatchSpanProcessor} hands from
 * the threads that end spans to the one that exports them.
 */
final class EncodedSpans {
  /** The entries are {@code entries[0..length)}; the array may be longer (one of the processor's spare arrays). */
  final byte[] entries;
  final int length;
  final int count;
  final Resource resource;
  final InstrumentationScopeInfo scope;

  EncodedSpans(byte[] entries, int count, Resource resource, InstrumentationScopeInfo scope) {
    this(entries, entries.length, count, resource, scope);
  }

  EncodedSpans(byte[] entries, int length, int count, Resource resource, InstrumentationScopeInfo scope) {
    this.entries = entries;
    this.length = length;
    this.count = count;
    this.resource = resource;
    this.scope = scope;
  }

  @Override
  public String toString() {
    return "EncodedSpans{" + count + " of " + scope.getName() + ", " + length + " bytes}";
  }
}
