package io.otelauto.bootstrap;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.KeyValue;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Spans as an OTLP {@code ExportTraceServiceRequest} in protobuf, in one pass. The message is written back
 * to front, so that a nested message's length is known (it is what was written since it began) when its
 * length prefix is due: no size pass, no per-string size cache, and an ASCII string (nearly every key, name
 * and value) is copied char by char with no intermediate byte array; what repeats from span to span (the
 * attribute keys, most of a server's values, the name) is kept as bytes ({@link #keySlot}). The SDK's
 * marshaller computes every size first and encodes every string twice (its size, then its bytes).
 *
 * <p>The output is what the SDK's marshaller writes, field for field and in the same order (the tests decode
 * both with the official protobuf classes and compare the bytes). One encoder is used by one thread at a
 * time; its buffer is kept and grows to the largest batch.
 */
final class OtlpTraceEncoder {
  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LEN = 2;
  private static final int FIXED32 = 5;

  // opentelemetry/proto: collector/trace/v1, trace/v1, resource/v1, common/v1.
  private static final int REQUEST_RESOURCE_SPANS = 1;
  private static final int RESOURCE_SPANS_RESOURCE = 1;
  private static final int RESOURCE_SPANS_SCOPE_SPANS = 2;
  private static final int RESOURCE_SPANS_SCHEMA_URL = 3;
  private static final int RESOURCE_ATTRIBUTES = 1;
  private static final int SCOPE_SPANS_SCOPE = 1;
  private static final int SCOPE_SPANS_SPANS = 2;
  private static final int SCOPE_SPANS_SCHEMA_URL = 3;
  private static final int SCOPE_NAME = 1;
  private static final int SCOPE_VERSION = 2;
  private static final int SCOPE_ATTRIBUTES = 3;
  private static final int SPAN_TRACE_ID = 1;
  private static final int SPAN_SPAN_ID = 2;
  private static final int SPAN_TRACE_STATE = 3;
  private static final int SPAN_PARENT_SPAN_ID = 4;
  private static final int SPAN_NAME = 5;
  private static final int SPAN_KIND = 6;
  private static final int SPAN_START = 7;
  private static final int SPAN_END = 8;
  private static final int SPAN_ATTRIBUTES = 9;
  private static final int SPAN_DROPPED_ATTRIBUTES = 10;
  private static final int SPAN_EVENTS = 11;
  private static final int SPAN_DROPPED_EVENTS = 12;
  private static final int SPAN_LINKS = 13;
  private static final int SPAN_DROPPED_LINKS = 14;
  private static final int SPAN_STATUS = 15;
  private static final int SPAN_FLAGS = 16;
  private static final int EVENT_TIME = 1;
  private static final int EVENT_NAME = 2;
  private static final int EVENT_ATTRIBUTES = 3;
  private static final int EVENT_DROPPED_ATTRIBUTES = 4;
  private static final int LINK_TRACE_ID = 1;
  private static final int LINK_SPAN_ID = 2;
  private static final int LINK_TRACE_STATE = 3;
  private static final int LINK_ATTRIBUTES = 4;
  private static final int LINK_DROPPED_ATTRIBUTES = 5;
  private static final int LINK_FLAGS = 6;
  private static final int STATUS_MESSAGE = 2;
  private static final int STATUS_CODE = 3;
  private static final int KEY_VALUE_KEY = 1;
  private static final int KEY_VALUE_VALUE = 2;
  private static final int ANY_STRING = 1;
  private static final int ANY_BOOL = 2;
  private static final int ANY_INT = 3;
  private static final int ANY_DOUBLE = 4;
  private static final int ANY_ARRAY = 5;
  private static final int ANY_KEY_VALUE_LIST = 6;
  private static final int ANY_BYTES = 7;
  private static final int ARRAY_VALUES = 1;
  private static final int KEY_VALUE_LIST_VALUES = 1;
  // Span flags (trace/v1): the W3C trace flags in the low byte, then whether the parent's (or a link's)
  // context is remote, and that this is known.
  private static final int CONTEXT_HAS_IS_REMOTE = 0x100;
  private static final int CONTEXT_IS_REMOTE = 0x200;
  /** The value of each hex digit, by its ASCII code (ids are valid lower-case hex: the API checks them). */
  private static final byte[] HEX = new byte[128];

  static {
    for (int i = 0; i < 16; i++) {
      HEX["0123456789abcdef".charAt(i)] = (byte) i;
      HEX["0123456789ABCDEF".charAt(i)] = (byte) i;
    }
  }

  private static final int KEY_CACHE_SIZE = 128;
  private static final int KEY_PROBES = 4;
  private final String[] keys = new String[KEY_CACHE_SIZE];
  private final byte[][] keyFields = new byte[KEY_CACHE_SIZE][];
  private final Object[] lastValues = new Object[KEY_CACHE_SIZE];
  private final byte[][] keyValues = new byte[KEY_CACHE_SIZE][];
  private String lastName;
  private byte[] lastNameField;

  private byte[] buffer;
  /** The message so far is {@code buffer[position..]}; the next byte goes before it. */
  private int position;
  /** Attributes are visited in order by {@link Attributes#forEach} and written last to first. */
  private final AttributeList attributes = new AttributeList();

  OtlpTraceEncoder() {
    this(64 * 1024);
  }

  OtlpTraceEncoder(int initialCapacity) {
    buffer = new byte[initialCapacity];
    position = buffer.length;
  }

  /** Encodes the request for {@code spans}, replacing the previous one. */
  OtlpTraceEncoder encode(Collection<SpanData> spans) {
    position = buffer.length;
    SpanData[] all = spans.toArray(new SpanData[0]);
    if (all.length == 0) {
      return this;
    }
    Resource resource = all[0].getResource();
    InstrumentationScopeInfo scope = all[0].getInstrumentationScopeInfo();
    boolean oneGroup = true;
    for (SpanData span : all) {
      if (span.getResource() != resource || span.getInstrumentationScopeInfo() != scope) {
        oneGroup = false;
        break;
      }
    }
    if (oneGroup) {
      int start = written();
      stringField(RESOURCE_SPANS_SCHEMA_URL, resource.getSchemaUrl());
      scopeSpans(scope, Arrays.asList(all), this::spanEntries);
      endMessage(RESOURCE_SPANS_SCOPE_SPANS, start);
      resourceSpansHead(resource);
      endMessage(REQUEST_RESOURCE_SPANS, start);
      return this;
    }
    resourceSpans(Arrays.asList(all), SpanData::getResource, SpanData::getInstrumentationScopeInfo, this::spanEntries);
    return this;
  }

  /**
   * Encodes the request for runs of spans encoded already ({@link #addSpanEntry}), replacing the previous one:
   * their bytes copied as they are, under their resources and scopes, grouped as {@link #encode} groups spans.
   */
  OtlpTraceEncoder encodeRuns(List<EncodedSpans> runs) {
    position = buffer.length;
    resourceSpans(runs, run -> run.resource, run -> run.scope, this::runEntries);
    return this;
  }

  /**
   * The request's ResourceSpans for {@code items} (spans, or runs of them), back to front: grouped as the SDK
   * groups spans (equal resources, then equal scopes, in the order they first come); {@code entries} writes
   * one scope's spans.
   */
  private <T> void resourceSpans(List<T> items, Function<T, Resource> resourceOf,
      Function<T, InstrumentationScopeInfo> scopeOf, Consumer<List<T>> entries) {
    Map<Resource, Map<InstrumentationScopeInfo, List<T>>> groups = new LinkedHashMap<>();
    for (T item : items) {
      groups.computeIfAbsent(resourceOf.apply(item), r -> new LinkedHashMap<>())
          .computeIfAbsent(scopeOf.apply(item), s -> new ArrayList<>()).add(item);
    }
    List<Map.Entry<Resource, Map<InstrumentationScopeInfo, List<T>>>> resources = new ArrayList<>(groups.entrySet());
    for (int r = resources.size() - 1; r >= 0; r--) {
      int start = written();
      stringField(RESOURCE_SPANS_SCHEMA_URL, resources.get(r).getKey().getSchemaUrl());
      List<Map.Entry<InstrumentationScopeInfo, List<T>>> scopes = new ArrayList<>(resources.get(r).getValue().entrySet());
      for (int s = scopes.size() - 1; s >= 0; s--) {
        int scopeStart = written();
        scopeSpans(scopes.get(s).getKey(), scopes.get(s).getValue(), entries);
        endMessage(RESOURCE_SPANS_SCOPE_SPANS, scopeStart);
      }
      resourceSpansHead(resources.get(r).getKey());
      endMessage(REQUEST_RESOURCE_SPANS, start);
    }
  }

  /** Each span's {@code ScopeSpans.spans} entry, last to first. */
  private void spanEntries(List<SpanData> spans) {
    for (int i = spans.size() - 1; i >= 0; i--) {
      int start = written();
      span(spans.get(i));
      endMessage(SCOPE_SPANS_SPANS, start);
    }
  }

  /** Runs' entries as they are, last to first. */
  private void runEntries(List<EncodedSpans> runs) {
    for (int i = runs.size() - 1; i >= 0; i--) {
      EncodedSpans run = runs.get(i);
      raw(run.entries, run.length);
    }
  }

  /**
   * Adds {@code span}'s {@code ScopeSpans.spans} entry (tag, length, message) in front of those added since
   * the last {@link #reset}: a run of spans of one resource and scope, the newest first, which
   * {@link #encodeRuns} copies as it is. Should it fail, what it wrote of this span is taken back.
   */
  void addSpanEntry(SpanData span) {
    int before = written();
    try {
      span(span);
      endMessage(SCOPE_SPANS_SPANS, before);
    } catch (RuntimeException | Error e) {
      position = buffer.length - before;
      attributes.clear();
      throw e;
    }
  }

  /** Forgets what was encoded (the caches stay). */
  void reset() {
    position = buffer.length;
  }

  /** The capacity this encoder holds on to. */
  int capacity() {
    return buffer.length;
  }

  int length() {
    return buffer.length - position;
  }

  void writeTo(OutputStream out) throws IOException {
    out.write(buffer, position, length());
  }

  byte[] toByteArray() {
    return copyTo(new byte[length()]);
  }

  /** What was encoded, copied to the start of {@code target} (at least {@link #length} long); returns it. */
  byte[] copyTo(byte[] target) {
    System.arraycopy(buffer, position, target, 0, length());
    return target;
  }

  /**
   * ResourceSpans: resource = 1, scope_spans = 2, schema_url = 3; the caller has written the last two
   * already (back to front).
   */
  private void resourceSpansHead(Resource resource) {
    int start = written();
    attributes(RESOURCE_ATTRIBUTES, resource.getAttributes());
    endMessage(RESOURCE_SPANS_RESOURCE, start);
  }

  /** ScopeSpans: scope = 1, spans = 2, schema_url = 3; {@code entries} writes the spans. */
  private <T> void scopeSpans(InstrumentationScopeInfo scope, List<T> items, Consumer<List<T>> entries) {
    stringField(SCOPE_SPANS_SCHEMA_URL, scope.getSchemaUrl());
    entries.accept(items);
    int start = written();
    attributes(SCOPE_ATTRIBUTES, scope.getAttributes());
    stringField(SCOPE_VERSION, scope.getVersion());
    stringField(SCOPE_NAME, scope.getName());
    endMessage(SCOPE_SPANS_SCOPE, start);
  }

  private void span(SpanData span) {
    SpanContext context = span.getSpanContext();
    SpanContext parent = span.getParentSpanContext();
    fixed32Field(SPAN_FLAGS, flags(context, parent.isRemote()));
    status(span.getStatus());
    uint32Field(SPAN_DROPPED_LINKS, span.getTotalRecordedLinks() - span.getLinks().size());
    List<LinkData> links = span.getLinks();
    for (int i = links.size() - 1; i >= 0; i--) {
      int start = written();
      link(links.get(i));
      endMessage(SPAN_LINKS, start);
    }
    uint32Field(SPAN_DROPPED_EVENTS, span.getTotalRecordedEvents() - span.getEvents().size());
    List<EventData> events = span.getEvents();
    for (int i = events.size() - 1; i >= 0; i--) {
      int start = written();
      event(events.get(i));
      endMessage(SPAN_EVENTS, start);
    }
    uint32Field(SPAN_DROPPED_ATTRIBUTES, span.getTotalAttributeCount() - span.getAttributes().size());
    attributes(SPAN_ATTRIBUTES, span.getAttributes());
    fixed64Field(SPAN_END, span.getEndEpochNanos());
    fixed64Field(SPAN_START, span.getStartEpochNanos());
    uint32Field(SPAN_KIND, span.getKind().ordinal() + 1); // INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER: 1..5
    nameField(span.getName());
    if (parent.isValid()) {
      hexBytesField(SPAN_PARENT_SPAN_ID, parent.getSpanId());
    }
    traceState(SPAN_TRACE_STATE, context.getTraceState());
    hexBytesField(SPAN_SPAN_ID, context.getSpanId());
    hexBytesField(SPAN_TRACE_ID, context.getTraceId());
  }

  /** The span's name; a server's spans often share one in a row (one route), kept whole once it repeats. */
  private void nameField(String name) {
    if (name == null || name.isEmpty()) {
      return;
    }
    if (name != lastName && !name.equals(lastName)) {
      lastName = name;
      lastNameField = null;
      string(SPAN_NAME, name);
      return;
    }
    if (lastNameField != null) {
      raw(lastNameField);
      return;
    }
    int start = written();
    string(SPAN_NAME, name);
    lastNameField = copyOfWritten(start);
  }

  private static int flags(SpanContext context, boolean remote) {
    return (context.getTraceFlags().asByte() & 0xff) | CONTEXT_HAS_IS_REMOTE | (remote ? CONTEXT_IS_REMOTE : 0);
  }

  private void status(StatusData status) {
    int start = written();
    uint32Field(STATUS_CODE, status.getStatusCode().ordinal()); // UNSET, OK, ERROR: 0..2
    stringField(STATUS_MESSAGE, status.getDescription());
    endMessage(SPAN_STATUS, start);
  }

  private void event(EventData event) {
    uint32Field(EVENT_DROPPED_ATTRIBUTES, event.getDroppedAttributesCount());
    attributes(EVENT_ATTRIBUTES, event.getAttributes());
    stringField(EVENT_NAME, event.getName());
    fixed64Field(EVENT_TIME, event.getEpochNanos());
  }

  private void link(LinkData link) {
    SpanContext context = link.getSpanContext();
    fixed32Field(LINK_FLAGS, flags(context, context.isRemote()));
    uint32Field(LINK_DROPPED_ATTRIBUTES, link.getTotalAttributeCount() - link.getAttributes().size());
    attributes(LINK_ATTRIBUTES, link.getAttributes());
    traceState(LINK_TRACE_STATE, context.getTraceState());
    hexBytesField(LINK_SPAN_ID, context.getSpanId());
    hexBytesField(LINK_TRACE_ID, context.getTraceId());
  }

  /** W3C form, {@code key=value,...}, as the SDK writes it. */
  private void traceState(int field, TraceState state) {
    if (state.isEmpty()) {
      return;
    }
    StringBuilder text = new StringBuilder();
    state.forEach((key, value) -> {
      if (text.length() > 0) {
        text.append(',');
      }
      text.append(key).append('=').append(value);
    });
    stringField(field, text.toString());
  }

  /** Repeated KeyValue: in the attributes' own order, so written last to first. */
  private void attributes(int field, Attributes values) {
    if (values.isEmpty()) {
      return;
    }
    AttributeList list = attributes.fill(values);
    // A nested map (a VALUE attribute's key-value list) does not go through here, so one list suffices.
    for (int i = list.size - 1; i >= 0; i--) {
      int start = written();
      keyValue(list.keys[i], list.values[i]);
      endMessage(field, start);
    }
    list.clear();
  }

  private void keyValue(AttributeKey<?> key, Object value) {
    int slot = keySlot(key.getKey());
    if (slot < 0) {
      keyValueFields(key, value, -1);
      return;
    }
    if (!(value instanceof String || value instanceof Long || value instanceof Boolean)) {
      keyValueFields(key, value, slot);
      return;
    }
    // Equal values of one of these classes under one key have one encoding (a Double does not: NaNs).
    Object last = lastValues[slot];
    if (last != value && (last == null || !last.equals(value))) {
      lastValues[slot] = value;
      keyValues[slot] = null;
      keyValueFields(key, value, slot);
      return;
    }
    byte[] whole = keyValues[slot];
    if (whole != null) {
      raw(whole);
      return;
    }
    int start = written();
    keyValueFields(key, value, slot);
    keyValues[slot] = copyOfWritten(start);
  }

  /** A KeyValue's fields, value then key (back to front); {@code slot} is the key's, or -1. */
  private void keyValueFields(AttributeKey<?> key, Object value, int slot) {
    int start = written();
    attributeValue(key, value);
    endMessage(KEY_VALUE_VALUE, start);
    if (slot < 0) {
      stringField(KEY_VALUE_KEY, key.getKey());
      return;
    }
    byte[] field = keyFields[slot];
    if (field == null) {
      int keyStart = written();
      string(KEY_VALUE_KEY, keys[slot]);
      keyFields[slot] = copyOfWritten(keyStart);
      return;
    }
    raw(field);
  }

  /**
   * The slot of an attribute key in a small cache, or -1. Attribute keys are a few constant strings, and were
   * three quarters of the characters this encoder turned into UTF-8 (a profile of a server span); most of
   * their values repeat too from span to span (the method, the scheme, the route, the addresses). A slot
   * keeps the key's whole field, and the last value written under it with, once that value came twice in a
   * row, the whole KeyValue. Keys are looked up by identity from the slot of the string's own cached hash, a
   * few slots on at most; the cache keeps the first keys it meets, for good, and a key that finds no slot
   * free is encoded each time.
   */
  private int keySlot(String key) {
    if (key == null || key.isEmpty()) {
      return -1;
    }
    int home = key.hashCode();
    for (int probe = 0; probe < KEY_PROBES; probe++) {
      int slot = (home + probe) & (KEY_CACHE_SIZE - 1);
      String cached = keys[slot];
      if (cached == key) {
        return slot;
      }
      if (cached == null) {
        keys[slot] = key;
        return slot;
      }
    }
    return -1;
  }

  /** What was written since {@code start} bytes were, as a new array. */
  private byte[] copyOfWritten(int start) {
    byte[] copy = new byte[written() - start];
    System.arraycopy(buffer, position, copy, 0, copy.length);
    return copy;
  }

  /** AnyValue of an attribute; a oneof, so even an empty string or false is written. */
  private void attributeValue(AttributeKey<?> key, Object value) {
    switch (key.getType()) {
      case STRING:
        string(ANY_STRING, (String) value);
        break;
      case BOOLEAN:
        varintField(ANY_BOOL, (Boolean) value ? 1 : 0);
        break;
      case LONG:
        varintField(ANY_INT, (Long) value);
        break;
      case DOUBLE:
        fixed64(Double.doubleToRawLongBits((Double) value));
        tag(ANY_DOUBLE, FIXED64);
        break;
      case STRING_ARRAY:
      case BOOLEAN_ARRAY:
      case LONG_ARRAY:
      case DOUBLE_ARRAY:
        List<?> elements = (List<?>) value;
        int start = written();
        for (int i = elements.size() - 1; i >= 0; i--) {
          int element = written();
          scalar(elements.get(i));
          endMessage(ARRAY_VALUES, element);
        }
        endMessage(ANY_ARRAY, start);
        break;
      default: // VALUE
        anyValue((Value<?>) value);
    }
  }

  private void scalar(Object value) {
    if (value instanceof String) {
      string(ANY_STRING, (String) value);
    } else if (value instanceof Boolean) {
      varintField(ANY_BOOL, (Boolean) value ? 1 : 0);
    } else if (value instanceof Long) {
      varintField(ANY_INT, (Long) value);
    } else if (value instanceof Double) {
      fixed64(Double.doubleToRawLongBits((Double) value));
      tag(ANY_DOUBLE, FIXED64);
    }
  }

  /** The fields of an AnyValue holding {@code value} (an empty value: none). */
  @SuppressWarnings("unchecked")
  private void anyValue(Value<?> value) {
    switch (value.getType()) {
      case STRING:
      case BOOLEAN:
      case LONG:
      case DOUBLE:
        scalar(value.getValue());
        break;
      case ARRAY: {
        List<Value<?>> elements = (List<Value<?>>) value.getValue();
        int start = written();
        for (int i = elements.size() - 1; i >= 0; i--) {
          int element = written();
          anyValue(elements.get(i));
          endMessage(ARRAY_VALUES, element);
        }
        endMessage(ANY_ARRAY, start);
        break;
      }
      case KEY_VALUE_LIST: {
        List<KeyValue> entries = (List<KeyValue>) value.getValue();
        int start = written();
        for (int i = entries.size() - 1; i >= 0; i--) {
          int entry = written();
          int valueStart = written();
          anyValue(entries.get(i).getValue());
          endMessage(KEY_VALUE_VALUE, valueStart);
          stringField(KEY_VALUE_KEY, entries.get(i).getKey());
          endMessage(KEY_VALUE_LIST_VALUES, entry);
        }
        endMessage(ANY_KEY_VALUE_LIST, start);
        break;
      }
      case BYTES: {
        ByteBuffer bytes = ((ByteBuffer) value.getValue()).duplicate();
        int length = bytes.remaining();
        ensure(length);
        position -= length;
        bytes.get(buffer, position, length);
        varint(length);
        tag(ANY_BYTES, LEN);
        break;
      }
      default: // EMPTY
    }
  }

  // --- the wire format, back to front ---

  private int written() {
    return buffer.length - position;
  }

  /** Closes a length-delimited field whose content began when {@code start} bytes were written. */
  private void endMessage(int field, int start) {
    varint(written() - start);
    tag(field, LEN);
  }

  private void tag(int field, int wireType) {
    varint((field << 3) | wireType);
  }

  /** Omitted when empty or null, as proto3 omits a default string. */
  private void stringField(int field, String value) {
    if (value != null && !value.isEmpty()) {
      string(field, value);
    }
  }

  private void string(int field, String value) {
    int start = written();
    utf8(value);
    endMessage(field, start);
  }

  /** ASCII is copied char by char (no branch per char); anything else is encoded by the JDK. */
  private void utf8(String value) {
    int length = value.length();
    ensure(length);
    int at = position - length;
    int bits = 0;
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      bits |= c;
      buffer[at + i] = (byte) c;
    }
    if (bits < 0x80) {
      position = at;
      return;
    }
    byte[] encoded = value.getBytes(StandardCharsets.UTF_8);
    ensure(encoded.length);
    position -= encoded.length;
    System.arraycopy(encoded, 0, buffer, position, encoded.length);
  }

  private void raw(byte[] bytes) {
    raw(bytes, bytes.length);
  }

  /** {@code bytes[0..length)}, as they are. */
  private void raw(byte[] bytes, int length) {
    ensure(length);
    position -= length;
    System.arraycopy(bytes, 0, buffer, position, length);
  }

  /** A 16- or 8-byte id given in lower-case hex, as the API holds it. */
  private void hexBytesField(int field, String hex) {
    int length = hex.length() / 2;
    ensure(length);
    position -= length;
    for (int i = 0; i < length; i++) {
      buffer[position + i] = (byte) ((hexDigit(hex.charAt(2 * i)) << 4) | hexDigit(hex.charAt(2 * i + 1)));
    }
    varint(length);
    tag(field, LEN);
  }

  private static int hexDigit(char c) {
    return HEX[c & 0x7F];
  }

  /** Omitted when zero, as proto3 omits a default number. */
  private void uint32Field(int field, int value) {
    if (value != 0) {
      varint(value & 0xFFFFFFFFL);
      tag(field, VARINT);
    }
  }

  private void varintField(int field, long value) {
    varint(value);
    tag(field, VARINT);
  }

  private void fixed64Field(int field, long value) {
    if (value != 0) {
      fixed64(value);
      tag(field, FIXED64);
    }
  }

  private void fixed32Field(int field, int value) {
    if (value != 0) {
      ensure(4);
      position -= 4;
      for (int i = 0; i < 4; i++) {
        buffer[position + i] = (byte) (value >>> (8 * i));
      }
      tag(field, FIXED32);
    }
  }

  private void fixed64(long value) {
    ensure(8);
    position -= 8;
    for (int i = 0; i < 8; i++) {
      buffer[position + i] = (byte) (value >>> (8 * i));
    }
  }

  private void varint(long value) {
    int size = 1;
    for (long rest = value >>> 7; rest != 0; rest >>>= 7) {
      size++;
    }
    ensure(size);
    position -= size;
    int at = position;
    while ((value & ~0x7FL) != 0) {
      buffer[at++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    buffer[at] = (byte) value;
  }

  /** Makes room for {@code bytes} more before what is written, keeping it at the end of a larger buffer. */
  private void ensure(int bytes) {
    if (position >= bytes) {
      return;
    }
    int used = written();
    int size = Math.max(buffer.length * 2, used + bytes + 1024);
    byte[] larger = new byte[size];
    System.arraycopy(buffer, position, larger, size - used, used);
    buffer = larger;
    position = size - used;
  }

  /** The attributes of one set, in their order, kept so that they can be written last to first. */
  private static final class AttributeList implements BiConsumer<AttributeKey<?>, Object> {
    AttributeKey<?>[] keys = new AttributeKey<?>[32];
    Object[] values = new Object[32];
    int size;

    AttributeList fill(Attributes attributes) {
      size = 0;
      attributes.forEach(this);
      return this;
    }

    @Override
    public void accept(AttributeKey<?> key, Object value) {
      if (size == keys.length) {
        keys = java.util.Arrays.copyOf(keys, size * 2);
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      keys[size] = key;
      values[size] = value;
      size++;
    }

    void clear() {
      java.util.Arrays.fill(keys, 0, size, null);
      java.util.Arrays.fill(values, 0, size, null);
      size = 0;
    }
  }
}
