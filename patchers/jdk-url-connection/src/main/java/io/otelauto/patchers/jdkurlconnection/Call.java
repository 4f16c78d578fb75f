package io.otelauto.patchers.jdkurlconnection;

/** The intercepted methods of a connection, and what each does to its span. */
enum Call {
  CONNECT(true, false),
  GET_OUTPUT_STREAM(true, false),
  GET_INPUT_STREAM(true, true),
  DISCONNECT(false, true);

  /** The first such call on a connection starts its span. */
  final boolean startsSpan;
  /** The span ends when the outermost such call returns; any call that throws ends it. */
  final boolean endsOnReturn;

  Call(boolean startsSpan, boolean endsOnReturn) {
    this.startsSpan = startsSpan;
    this.endsOnReturn = endsOnReturn;
  }
}
