<?php
/*
 * Builds a small newsroom in a fresh WordPress (an empty database, `wp-config.php` pointing at
 * it) and writes WordPress's own export of it to standard output, as Tools → Export → All
 * content does: php build.php /path/to/wordpress > harbour.wordpress.xml
 *
 * Everything goes through WordPress's functions (wp_install, wp_insert_post,
 * media_handle_sideload, export_wp), so the file is what a real site exports.
 */

$wordpress = rtrim($argv[1] ?? '', '/');
if (!is_file("$wordpress/wp-load.php")) {
    fwrite(STDERR, "usage: php build.php WORDPRESS_FOLDER > export.xml\n");
    exit(2);
}
define('WP_INSTALLING', true);
$_SERVER['HTTP_HOST'] = 'harbour.example.org';
require "$wordpress/wp-load.php";
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/media.php';
require_once ABSPATH . 'wp-admin/includes/file.php';
require_once ABSPATH . 'wp-admin/includes/image.php';
require_once ABSPATH . 'wp-admin/includes/export.php';

ob_start(); // wp_install and the media functions may talk; only the export goes out.
$installed = wp_install('Harbour Courier', 'editor', 'editor@harbour.example.org', true, '', 'not-a-secret');
global $wp_rewrite;
$wp_rewrite->set_permalink_structure('/%year%/%monthnum%/%day%/%postname%/');
wp_delete_post(1, true);  // "Hello world!": a newsroom's site has long lost it
update_option('blogdescription', 'Independent news from the coast');
wp_set_current_user($installed['user_id']);  // an administrator: posts keep their markup

function person($login, $first, $last, $bio) {
    return wp_insert_user([
        'user_login' => $login, 'user_pass' => wp_generate_password(), 'role' => 'author',
        'user_email' => "$login@harbour.example.org", 'first_name' => $first,
        'last_name' => $last, 'display_name' => "$first $last", 'description' => $bio,
    ]);
}
$marta = person('marta', 'Marta', 'Kowalska', 'Marta covers the port and its unions.');
$ivan = person('ivan.p', 'Ivan', 'Petrov', 'Ivan writes about the city at night.');

function category($name, $slug, $description = '', $parent = 0) {
    return wp_insert_term($name, 'category', [
        'slug' => $slug, 'description' => $description, 'parent' => $parent,
    ])['term_id'];
}
$port = category('Port news', 'port-news', 'What happens at the docks.');
$ferries = category('Ferries', 'ferries', 'Boats, routes and timetables.', $port);
$culture = category('Culture', 'culture');

function post($fields) {
    $id = wp_insert_post(wp_slash($fields + ['post_type' => 'post', 'post_status' => 'publish']), true);
    if (is_wp_error($id)) {
        fwrite(STDERR, $id->get_error_message() . "\n");
        exit(1);
    }
    return $id;
}

/* A small JPEG with the credit a photo agency writes into its IPTC data. */
function photo($name, $rgb, $credit, $post_id, $caption, $alt) {
    $image = imagecreatetruecolor(480, 320);
    imagefill($image, 0, 0, imagecolorallocate($image, ...$rgb));
    imagefilledrectangle($image, 60, 200, 420, 300, imagecolorallocate($image, 230, 230, 220));
    $file = wp_tempnam($name);
    imagejpeg($image, $file, 30);
    $iptc = '';
    foreach (['2#110' => $credit] as $tag => $value) {
        [$record, $dataset] = explode('#', $tag);
        $iptc .= chr(0x1C) . chr((int) $record) . chr((int) $dataset) . pack('n', strlen($value)) . $value;
    }
    file_put_contents($file, iptcembed($iptc, $file));
    // Uploaded with the post, as an editor does.
    $date = get_post($post_id)->post_date;
    $id = media_handle_sideload(['name' => $name, 'tmp_name' => $file], $post_id, null, [
        'post_date' => $date, 'post_date_gmt' => get_gmt_from_date($date),
    ]);
    if (is_wp_error($id)) {
        fwrite(STDERR, $id->get_error_message() . "\n");
        exit(1);
    }
    wp_update_post(['ID' => $id, 'post_excerpt' => $caption]);
    update_post_meta($id, '_wp_attachment_image_alt', $alt);
    return $id;
}

$strike = post([
    'post_title' => 'Harbour strike enters its second week', 'post_name' => 'harbour-strike',
    'post_author' => $marta, 'post_date' => '2024-03-12 09:30:00',
    'post_excerpt' => 'Cranes stood still as dockers held out for a second week.',
    'post_category' => [$port], 'tags_input' => ['Strikes', 'Unions'],
]);
$dockers = photo('dockers.jpg', [40, 70, 110], 'Anna Lee / AP', $strike,
    'Dockers at the north gate, 5 a.m.', 'Dockers with banners at a harbour gate');
$medium = wp_get_attachment_image_src($dockers, 'medium')[0];
set_post_thumbnail($strike, $dockers);
$talks = post([
    'post_title' => 'Port talks collapse', 'post_name' => 'talks-collapse',
    'post_author' => $marta, 'post_date' => '2024-03-05 18:00:00',
    'post_category' => [$port], 'tags_input' => ['Unions'],
    'post_content' => "<!-- wp:paragraph -->\n<p>The port authority left the table after four hours.</p>\n<!-- /wp:paragraph -->",
]);
$talks_link = get_permalink($talks);
wp_update_post(['ID' => $strike, 'post_content' => <<<HTML
<!-- wp:paragraph -->
<p>Cranes stood still at the north quay on Tuesday as <strong>dockers</strong> held out for a second week, after <a href="$talks_link">talks collapsed</a>.</p>
<!-- /wp:paragraph -->

<!-- wp:heading -->
<h2 class="wp-block-heading">What the union wants</h2>
<!-- /wp:heading -->

<!-- wp:quote -->
<blockquote class="wp-block-quote"><!-- wp:paragraph -->
<p>We stay until the port listens.</p>
<!-- /wp:paragraph --><cite>Union steward</cite></blockquote>
<!-- /wp:quote -->

<!-- wp:image {"id":$dockers,"sizeSlug":"medium","linkDestination":"none"} -->
<figure class="wp-block-image size-medium"><img src="$medium" alt="The north gate" class="wp-image-$dockers"/><figcaption class="wp-element-caption">The north gate at dawn</figcaption></figure>
<!-- /wp:image -->

<!-- wp:embed {"url":"https://www.youtube.com/watch?v=dQw4w9WgXcQ","type":"video","providerNameSlug":"youtube","responsive":true,"className":"wp-embed-aspect-16-9 wp-has-aspect-ratio"} -->
<figure class="wp-block-embed is-type-video is-provider-youtube wp-block-embed-youtube wp-embed-aspect-16-9 wp-has-aspect-ratio"><div class="wp-block-embed__wrapper">
https://www.youtube.com/watch?v=dQw4w9WgXcQ
</div></figure>
<!-- /wp:embed -->

<!-- wp:pullquote -->
<figure class="wp-block-pullquote"><blockquote><p>Not one ship has left since Monday.</p><cite>The harbour master</cite></blockquote></figure>
<!-- /wp:pullquote -->

<!-- wp:list -->
<ul><!-- wp:list-item -->
<li>Pay rises in line with prices</li>
<!-- /wp:list-item -->

<!-- wp:list-item -->
<li>No night shifts without rest days</li>
<!-- /wp:list-item --></ul>
<!-- /wp:list -->

<!-- wp:paragraph -->
<p>Talks resume on Friday.</p>
<!-- /wp:paragraph -->
HTML]);
wp_insert_comment([
    'comment_post_ID' => $strike, 'comment_author' => 'A reader', 'comment_approved' => 1,
    'comment_content' => 'Solidarity from the ferry crews.', 'comment_date' => '2024-03-12 12:00:00',
]);

$festival = post([
    'post_title' => 'Festival returns to the old fish market', 'post_name' => 'festival',
    'post_author' => $ivan, 'post_date' => '2019-07-19 17:45:00',
    'post_category' => [$culture], 'tags_input' => ['Music'],
]);
$market = photo('market.jpg', [120, 80, 40], 'Ivan Petrov', $festival,
    'Stalls in the old hall', 'Market stalls under a vaulted roof');
$market_medium = wp_get_attachment_image_src($market, 'medium')[0];
// A classic-editor post, as WordPress kept them before the block editor: no paragraph tags,
// a caption shortcode, an embed on a line of its own.
wp_update_post(['ID' => $festival, 'post_content' => <<<HTML
The festival is back after three years.

[caption id="attachment_$market" align="alignnone" width="300"]<img class="size-medium wp-image-$market" src="$market_medium" alt="Stalls" width="300" height="200" /> Stalls in the old hall[/caption]

Bands play <em>every night</em> until Sunday.

https://vimeo.com/76979871

<h3>Tickets</h3>
Entry is free before six.
HTML]);

$ferry = post([
    'post_title' => 'Ferry timetable changes', 'post_name' => 'ferry-timetable',
    'post_author' => $marta, 'post_date' => '2024-03-20 07:15:00',
    'post_category' => [$ferries], 'tags_input' => ['Timetables'],
]);
$dockers_large = wp_get_attachment_image_src($dockers, 'large')[0];
$market_large = wp_get_attachment_image_src($market, 'large')[0];
wp_update_post(['ID' => $ferry, 'post_content' => <<<HTML
<!-- wp:paragraph -->
<p>The island ferry leaves at 7:40 from April.</p>
<!-- /wp:paragraph -->

<!-- wp:gallery {"linkTo":"none"} -->
<figure class="wp-block-gallery has-nested-images columns-default is-cropped"><!-- wp:image {"id":$dockers,"sizeSlug":"large","linkDestination":"none"} -->
<figure class="wp-block-image size-large"><img src="$dockers_large" alt="" class="wp-image-$dockers"/><figcaption class="wp-element-caption">The quay it leaves from</figcaption></figure>
<!-- /wp:image -->

<!-- wp:image {"id":$market,"sizeSlug":"large","linkDestination":"none"} -->
<figure class="wp-block-image size-large"><img src="$market_large" alt="" class="wp-image-$market"/><figcaption class="wp-element-caption">The market by the landing</figcaption></figure>
<!-- /wp:image --></figure>
<!-- /wp:gallery -->
HTML]);
post([
    'post_title' => 'Draft: council budget', 'post_status' => 'draft', 'post_author' => $ivan,
    'post_content' => "<!-- wp:paragraph -->\n<p>Not ready.</p>\n<!-- /wp:paragraph -->",
]);
post([
    'post_title' => 'About us', 'post_type' => 'page', 'post_date' => '2019-01-01 10:00:00',
    'post_content' => "<!-- wp:paragraph -->\n<p>We are a newsroom on the coast.</p>\n<!-- /wp:paragraph -->",
]);
$menu = wp_create_nav_menu('Main');
wp_update_nav_menu_item($menu, 0, [
    'menu-item-title' => 'Port news', 'menu-item-object' => 'category',
    'menu-item-object-id' => $port, 'menu-item-type' => 'taxonomy', 'menu-item-status' => 'publish',
]);

// Posts edited later: their modified date as the editor left it, not the build's.
global $wpdb;
$edited = [$strike => '2024-03-14 17:02:41', $festival => '2019-07-20 08:00:00', $ferry => '2024-03-21 10:00:00'];
foreach ($edited as $id => $when) {
    $wpdb->update($wpdb->posts, [
        'post_modified' => $when, 'post_modified_gmt' => get_gmt_from_date($when),
    ], ['ID' => $id]);
}
array_map('clean_post_cache', array_keys($edited));

ob_end_clean();
export_wp(['content' => 'all']);
