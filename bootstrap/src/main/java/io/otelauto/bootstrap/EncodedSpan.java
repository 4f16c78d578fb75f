package io.otelauto.bootstrap;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.List;

/**
 * An ended span already in its OTLP form: what waits in the batch processor's queue in place of the SDK's
 * span when the only exporter behind it is the agent's {@link OtlpProtobufSpanExporter}.
 *
 * <p>Why: the span is encoded on the thread that ends it, while its attributes are still in that core's
 * cache; the batch processor's worker, which used to encode it a few milliseconds later, read it from
 * memory. And the queue holds about 300 bytes per span instead of the span, its attribute map and its
 * copies, so the young collections that find spans waiting copy about half as much.
 *
 * <p>It keeps what the batch processor and the exporter read: the span context (is it sampled), the
 * resource and the scope (to group the request), and its bytes. Attributes, events and links are in
 * the bytes only; asking for them is an error, not an empty answer (nothing else sees this object).
 */
final class EncodedSpan implements ReadableSpan, SpanData {
  /** The {@code ScopeSpans.spans} field: its tag, its length, then the {@code Span} message. */
  final byte[] entry;
  private final SpanContext context;
  private final SpanContext parent;
  private final String name;
  private final SpanKind kind;
  private final StatusData status;
  private final long start;
  private final long end;
  private final InstrumentationScopeInfo scope;
  private final Resource resource;

  EncodedSpan(byte[] entry, SpanData span) {
    this.entry = entry;
    this.context = span.getSpanContext();
    this.parent = span.getParentSpanContext();
    this.name = span.getName();
    this.kind = span.getKind();
    this.status = span.getStatus();
    this.start = span.getStartEpochNanos();
    this.end = span.getEndEpochNanos();
    this.scope = span.getInstrumentationScopeInfo();
    this.resource = span.getResource();
  }

  private static UnsupportedOperationException onlyEncoded() {
    return new UnsupportedOperationException("this span is already OTLP-encoded; only the agent's OTLP exporter reads it");
  }

  @Override
  public SpanData toSpanData() {
    return this;
  }

  @Override
  public SpanContext getSpanContext() {
    return context;
  }

  @Override
  public SpanContext getParentSpanContext() {
    return parent;
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public SpanKind getKind() {
    return kind;
  }

  @Override
  public StatusData getStatus() {
    return status;
  }

  @Override
  public long getStartEpochNanos() {
    return start;
  }

  @Override
  public long getEndEpochNanos() {
    return end;
  }

  @Override
  public boolean hasEnded() {
    return true;
  }

  @Override
  public long getLatencyNanos() {
    return end - start;
  }

  @Override
  public InstrumentationScopeInfo getInstrumentationScopeInfo() {
    return scope;
  }

  @Override
  @SuppressWarnings("deprecation") // both interfaces still declare it
  public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
    return InstrumentationLibraryInfo.create(scope.getName(), scope.getVersion(), scope.getSchemaUrl());
  }

  @Override
  public Resource getResource() {
    return resource;
  }

  @Override
  public <T> T getAttribute(AttributeKey<T> key) {
    throw onlyEncoded();
  }

  @Override
  public Attributes getAttributes() {
    throw onlyEncoded();
  }

  @Override
  public List<EventData> getEvents() {
    throw onlyEncoded();
  }

  @Override
  public List<LinkData> getLinks() {
    throw onlyEncoded();
  }

  @Override
  public int getTotalRecordedEvents() {
    throw onlyEncoded();
  }

  @Override
  public int getTotalRecordedLinks() {
    throw onlyEncoded();
  }

  @Override
  public int getTotalAttributeCount() {
    throw onlyEncoded();
  }

  @Override
  public String toString() {
    return "EncodedSpan{" + name + ", " + context.getSpanId() + ", " + entry.length + " bytes}";
  }
}
