package local.pd.flinkcheck;

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.ExplainDetail;
import org.apache.flink.table.api.ExplainFormat;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.internal.TableEnvironmentInternal;
import org.apache.flink.table.operations.ModifyOperation;
import org.apache.flink.table.operations.Operation;
import org.apache.flink.table.operations.QueryOperation;
import org.apache.flink.table.operations.StatementSetOperation;
import org.apache.flink.table.operations.command.ResetOperation;
import org.apache.flink.table.operations.command.SetOperation;

/**
 * Lets Flink's own planner validate Flink SQL scripts, many per JVM (start-up costs seconds).
 *
 * <p>stdin: one JSON object per line, {"name", "statements": [{"sql", "line", "inserts"?}]}, the
 * script already split and its placeholders substituted by src/adapters/flink/flink-sql-checker.ts;
 * "inserts" lists the INSERTs of an EXECUTE STATEMENT SET block, to say which one failed.
 * stdout: one JSON object per script, {"name", "ok", "ms"} plus, on failure, "error" (root cause
 * message), "causes" (the exception chain's messages), "phase", "line" and "statement".
 *
 * <p>Each script gets a fresh streaming TableEnvironment. DDL is executed (catalog only: nothing
 * connects anywhere); INSERTs and queries are never executed, only planned down to the
 * transformations (EXPLAIN JSON_EXECUTION_PLAN), which creates every source and sink through its
 * connector factory and checks options, types, primary keys and changelog modes.
 */
public final class FlinkSqlCheck {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A failure to report: where it happened and the exception. */
  private static final class Failure extends Exception {
    final String phase;
    final JsonNode statement;

    Failure(String phase, JsonNode statement, Throwable cause) {
      super(cause);
      this.phase = phase;
      this.statement = statement;
    }
  }

  public static void main(String[] args) throws Exception {
    // Results own stdout; anything a library prints goes to stderr instead of corrupting them.
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.setOut(System.err);

    warmUp();

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isBlank()) continue;
      long started = System.nanoTime();
      JsonNode script = JSON.readTree(line);
      ObjectNode result = JSON.createObjectNode();
      result.put("name", script.path("name").asText());
      try {
        check(script);
        result.put("ok", true);
      } catch (Failure f) {
        result.put("ok", false);
        describe(result, f);
      } catch (Exception | LinkageError e) {
        // A bug of ours or a broken classpath: still one answer per script, and carry on.
        result.put("ok", false);
        describe(result, new Failure("checker", null, e));
      }
      result.put("ms", (System.nanoTime() - started) / 1_000_000);
      out.println(JSON.writeValueAsString(result));
    }
  }

  /**
   * Plans one trivial INSERT so that loading the planner (its class loader, Calcite, code
   * generation) counts as start-up, not as the first script's check time.
   */
  private static void warmUp() {
    TableEnvironmentInternal env = newEnvironment();
    env.executeSql("CREATE TABLE w_in (k INT) WITH ('connector' = 'datagen')");
    env.executeSql("CREATE TABLE w_out (k INT) WITH ('connector' = 'blackhole')");
    env.explainSql("INSERT INTO w_out SELECT k FROM w_in", ExplainDetail.JSON_EXECUTION_PLAN);
  }

  private static TableEnvironmentInternal newEnvironment() {
    TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
    env.getConfig().set("parallelism.default", "1");
    return (TableEnvironmentInternal) env;
  }

  private static void check(JsonNode script) throws Failure {
    TableEnvironmentInternal env = newEnvironment();
    for (JsonNode statement : script.path("statements")) {
      String sql = statement.path("sql").asText();
      List<Operation> operations;
      try {
        operations = env.getParser().parse(sql);
      } catch (RuntimeException e) {
        // An INSERT of a statement set that fails on its own names the culprit.
        for (JsonNode insert : statement.path("inserts")) {
          try {
            env.getParser().parse(insert.path("sql").asText());
          } catch (RuntimeException inner) {
            throw new Failure("validate", insert, inner);
          }
        }
        throw new Failure("validate", statement, e);
      }
      for (Operation op : operations) {
        if (op instanceof StatementSetOperation) {
          plan(env, new ArrayList<>(((StatementSetOperation) op).getOperations()), statement);
        } else if (op instanceof ModifyOperation) {
          plan(env, List.of((ModifyOperation) op), statement);
        } else if (op instanceof QueryOperation) {
          try {
            env.explainInternal(List.of(op), ExplainFormat.TEXT, ExplainDetail.JSON_EXECUTION_PLAN);
          } catch (RuntimeException e) {
            throw new Failure("plan", statement, e);
          }
        } else if (op instanceof SetOperation) {
          // SET is a SQL-client command that TableEnvironment does not execute; apply it as the
          // client would, since options such as table.exec.* change the plan.
          SetOperation set = (SetOperation) op;
          if (set.getKey().isPresent() && set.getValue().isPresent()) {
            env.getConfig().set(set.getKey().get(), set.getValue().get());
          }
        } else if (op instanceof ResetOperation) {
          throw new Failure("execute", statement, new IllegalArgumentException("RESET is not supported by the checker"));
        } else {
          try {
            env.executeInternal(op); // DDL, USE ...: catalog changes only
          } catch (RuntimeException e) {
            throw new Failure("execute", statement, e);
          }
        }
      }
    }
  }

  /** Plans the INSERTs together, as the job would run; on failure finds the INSERT at fault. */
  private static void plan(TableEnvironmentInternal env, List<ModifyOperation> inserts, JsonNode statement)
      throws Failure {
    try {
      env.explainInternal(new ArrayList<Operation>(inserts), ExplainFormat.TEXT, ExplainDetail.JSON_EXECUTION_PLAN);
      return;
    } catch (RuntimeException e) {
      JsonNode texts = statement.path("inserts");
      if (texts.size() == 1 && inserts.size() == 1) throw new Failure("plan", texts.get(0), e);
      if (texts.size() == inserts.size()) {
        for (int i = 0; i < inserts.size(); i++) {
          try {
            env.explainInternal(List.of(inserts.get(i)), ExplainFormat.TEXT, ExplainDetail.JSON_EXECUTION_PLAN);
          } catch (RuntimeException alone) {
            throw new Failure("plan", texts.get(i), alone);
          }
        }
      }
      throw new Failure("plan", statement, e);
    }
  }

  private static void describe(ObjectNode result, Failure f) {
    ArrayNode causes = result.putArray("causes");
    String root = null;
    // Flink wraps the real reason (e.g. "Unsupported options found for 'clickhouse'") in context
    // ("Unable to create a sink for writing table ..."): keep the whole chain, lead with the root.
    for (Throwable t = f.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage() == null ? t.getClass().getName() : t.getMessage().strip();
      if (causes.isEmpty() || !causes.get(causes.size() - 1).asText().equals(message)) causes.add(message);
      root = message;
    }
    result.put("error", root);
    result.put("phase", f.phase);
    if (f.statement != null) {
      result.put("line", f.statement.path("line").asInt());
      result.put("statement", f.statement.path("sql").asText());
    }
  }
}
