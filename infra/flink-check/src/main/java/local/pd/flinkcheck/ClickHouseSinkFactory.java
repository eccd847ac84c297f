package local.pd.flinkcheck;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Set;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.FactoryUtil;

/**
 * Test-only {@code 'connector' = 'clickhouse'} sink, so the planner can validate generated sink
 * DDL: no ClickHouse Table connector for Flink 1.20 is on Maven Central. It checks the options of
 * the de-facto connector dialect (itinycheng/flink-connector-clickhouse) as our SQL compiler emits
 * them, requires a primary key (the real sink upserts on it) and accepts changelog input; the
 * runtime sink discards everything and is never run by the checker.
 */
public final class ClickHouseSinkFactory implements DynamicTableSinkFactory {
  public static final String IDENTIFIER = "clickhouse";

  static final ConfigOption<String> URL =
      ConfigOptions.key("url").stringType().noDefaultValue()
          .withDescription("ClickHouse endpoint, e.g. clickhouse://host:8123 or http://host:8123.");
  static final ConfigOption<String> DATABASE_NAME =
      ConfigOptions.key("database-name").stringType().noDefaultValue();
  static final ConfigOption<String> TABLE_NAME =
      ConfigOptions.key("table-name").stringType().noDefaultValue();
  static final ConfigOption<String> USERNAME =
      ConfigOptions.key("username").stringType().noDefaultValue();
  static final ConfigOption<String> PASSWORD =
      ConfigOptions.key("password").stringType().noDefaultValue();
  static final ConfigOption<Integer> SINK_BATCH_SIZE =
      ConfigOptions.key("sink.batch-size").intType().defaultValue(1000);
  static final ConfigOption<Duration> SINK_FLUSH_INTERVAL =
      ConfigOptions.key("sink.flush-interval").durationType().defaultValue(Duration.ofSeconds(1));
  static final ConfigOption<Integer> SINK_MAX_RETRIES =
      ConfigOptions.key("sink.max-retries").intType().defaultValue(3);
  static final ConfigOption<Boolean> SINK_IGNORE_DELETE =
      ConfigOptions.key("sink.ignore-delete").booleanType().defaultValue(true);

  private static final Set<String> URL_SCHEMES = Set.of("clickhouse", "http", "https");

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(URL, DATABASE_NAME, TABLE_NAME, USERNAME, PASSWORD);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of(SINK_BATCH_SIZE, SINK_FLUSH_INTERVAL, SINK_MAX_RETRIES, SINK_IGNORE_DELETE);
  }

  @Override
  public DynamicTableSink createDynamicTableSink(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    helper.validate(); // missing required and unknown options, with Flink's own messages
    ReadableConfig options = helper.getOptions();
    String table = context.getObjectIdentifier().asSummaryString();

    checkUrl(table, options.get(URL));
    // Reading a typed option parses it: a malformed number, duration or boolean fails here.
    if (options.get(SINK_BATCH_SIZE) < 1) {
      throw new ValidationException(table + ": 'sink.batch-size' must be at least 1");
    }
    if (options.get(SINK_MAX_RETRIES) < 0) {
      throw new ValidationException(table + ": 'sink.max-retries' must not be negative");
    }
    if (options.get(SINK_FLUSH_INTERVAL).isNegative()) {
      throw new ValidationException(table + ": 'sink.flush-interval' must not be negative");
    }
    options.get(SINK_IGNORE_DELETE);

    if (context.getCatalogTable().getResolvedSchema().getPrimaryKey().isEmpty()) {
      throw new ValidationException(
          "The ClickHouse sink table " + table + " needs a PRIMARY KEY (...) NOT ENFORCED: it "
              + "upserts changelog input on that key (ReplacingMergeTree ORDER BY).");
    }
    return new Sink(table);
  }

  private static void checkUrl(String table, String url) {
    try {
      URI uri = new URI(url);
      if (uri.getScheme() == null || !URL_SCHEMES.contains(uri.getScheme()) || uri.getHost() == null) {
        throw new URISyntaxException(url, "expected clickhouse://host:port or http(s)://host:port");
      }
    } catch (URISyntaxException e) {
      throw new ValidationException(table + ": invalid 'url' '" + url + "': " + e.getMessage());
    }
  }

  /** Upsert sink: the real connector writes INSERT/UPDATE_AFTER as rows and handles DELETE. */
  private static final class Sink implements DynamicTableSink {
    private final String table;

    Sink(String table) {
      this.table = table;
    }

    @Override
    public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
      return ChangelogMode.upsert();
    }

    @Override
    public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
      return SinkV2Provider.of(new DiscardingSink<RowData>());
    }

    @Override
    public DynamicTableSink copy() {
      return new Sink(table);
    }

    @Override
    public String asSummaryString() {
      return "ClickHouse(check only) " + table;
    }
  }
}
