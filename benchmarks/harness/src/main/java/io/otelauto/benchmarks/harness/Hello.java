package io.otelauto.benchmarks.harness;

/** The trivial program: main prints a line and returns. */
public final class Hello {
  private Hello() {}

  public static void main(String[] args) {
    System.out.println("hello from a trivial program");
  }
}
