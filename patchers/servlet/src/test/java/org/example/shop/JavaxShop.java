package org.example.shop;

import io.opentelemetry.api.trace.Span;
import io.otelauto.patchers.testing.PatcherTestKit;
import javax.servlet.AsyncContext;
import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import java.io.IOException;

/** The test webapp (outside io.otelauto.patchers, which the agent never patches) in the javax namespace (see {@link ContainerUnderTest} for its mappings). */
public final class JavaxShop {
  private JavaxShop() {}

  /** {@code /orders/*}: a child span while the SERVER span is current. */
  public static final class Orders extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      PatcherTestKit.install().openTelemetry().getTracer("test").spanBuilder("load order").startSpan().end();
      response.getWriter().write("order " + request.getPathInfo());
    }
  }

  /** {@code /fail}: the servlet throws. */
  public static final class Failing extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
      throw new IllegalStateException("no such order");
    }
  }

  /** {@code /unavailable}: a 503 without an exception. */
  public static final class Unavailable extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
      response.setStatus(503);
    }
  }

  /** {@code /}: the default servlet, for everything else: 404. */
  public static final class NotFound extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.sendError(404);
    }
  }

  /** {@code /oops}: the error page for 404 and 500, dispatched by the container after the request's servlet. */
  public static final class ErrorPage extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      PatcherTestKit.install().openTelemetry().getTracer("test").spanBuilder("render error page").startSpan().end();
      response.getWriter().write("error page");
    }
  }

  /** {@code /forward}: forwards to an order. */
  public static final class Forward extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
      request.getRequestDispatcher("/orders/forwarded").forward(request, response);
    }
  }

  /** {@code /async}: the response is written on the container's async thread, after service returned. */
  public static final class Async extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
      AsyncContext async = request.startAsync();
      async.start(() -> {
        try {
          PatcherTestKit.install().openTelemetry().getTracer("test").spanBuilder("async work").startSpan().end();
          response.setStatus(202);
          response.getWriter().write("accepted");
        } catch (IOException e) {
          throw new IllegalStateException(e);
        } finally {
          async.complete();
        }
      });
    }
  }

  /** On {@code /*}: tells the client which trace was current inside the program's own filter. */
  public static final class TraceHeader implements Filter {
    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      ((HttpServletResponse) response).setHeader("x-trace-id", Span.current().getSpanContext().getTraceId());
      chain.doFilter(request, response);
    }
  }
}
