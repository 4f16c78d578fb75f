package io.otelauto.launcher;

/** The trivial program: prints a line and exits. */
public final class PrintsAndExits {
  private PrintsAndExits() {}

  public static void main(String[] args) {
    System.out.println("hello, plain");
  }
}
